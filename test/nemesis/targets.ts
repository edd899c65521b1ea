// What a nemesis run is pointed at. `db`: five hosts for db-nodes (three members, two spares for
// membership changes) and the register/stock workload. `orders`: five executor hosts (three
// members, two spares), three db-node hosts, one payment host, and the checkout workload.
import { join } from "node:path";
import { DatabaseClient } from "@bookstore/db-client";
import { TOKENS } from "../support/order-system.js";
import { checkDbHistory } from "./db-checks.js";
import { runDbWorkload } from "./db-workload.js";
import { DB_MIX, type FaultMix, ORDERS_MIX } from "./fault-plan.js";
import type { History } from "./history.js";
import { HostProcess } from "./host-process.js";
import type { NamespaceNetwork } from "./net-namespaces.js";
import { OrderWorkload } from "./order-workload.js";
import { RaftCluster, SERVICE_PORT, type ServiceKind } from "./raft-cluster.js";

export interface StartedTarget {
  clusters: Record<string, RaftCluster>;
  payment?: HostProcess;
  /** Runs the clients until `until` (history ms). */
  workload(history: History, until: number): Promise<void>;
  /** After every fault has healed: the checks. Anomalies, and notes for the report. */
  check(history: History): Promise<{ anomalies: string[]; notes: string[] }>;
  close(): Promise<void>;
}

export interface Target {
  hosts: string[];
  mix: FaultMix[];
  clients: number;
  start(net: NamespaceNetwork, dir: string): Promise<StartedTarget>;
}

const letters = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String.fromCharCode(97 + i)}`);

function dbKind(env: Record<string, string> = {}): ServiceKind {
  return {
    label: "db-node",
    entry: "services/db-node/src/index.ts",
    idPrefix: "db",
    envPrefix: "DB",
    token: TOKENS.db,
    env,
  };
}

/** Waits (bounded) for a leader in each cluster: the run's recovery after the last heal. */
async function recovered(clusters: RaftCluster[], notes: string[], anomalies: string[]): Promise<void> {
  for (const c of clusters) {
    const t0 = Date.now();
    try {
      await c.waitLeader(60_000);
      notes.push(`${c.kind.label}: a leader ${((Date.now() - t0) / 1000).toFixed(1)} s after the final heal`);
    } catch (error) {
      anomalies.push(`liveness: ${String((error as Error).message)} after the final heal`);
    }
  }
}

export function dbTarget(seed: number, prefix: string): Target {
  const hosts = letters("db", 5);
  const clients = 8;
  return {
    hosts,
    mix: DB_MIX,
    clients,
    async start(net, dir) {
      const db = new RaftCluster(dbKind({ DB_SEED_CATALOG: "false" }), net, hosts, dir);
      await db.start(3);
      await db.waitLeader();
      return {
        clusters: { db },
        workload: (history, until) =>
          runDbWorkload(
            {
              addresses: db.allAddresses(),
              history,
              seed,
              clients,
              prefix,
              opsPerKey: 150,
              initialStock: 60,
              thinkMs: 40,
            },
            until,
          ),
        async check(history) {
          const anomalies: string[] = [];
          const notes: string[] = [];
          await recovered([db], notes, anomalies);
          await finalStockReads(history, db.allAddresses());
          const r = checkDbHistory(history.ops);
          notes.push(
            `${r.keys} keys checked for linearizability${r.inconclusive.length ? ` (${r.inconclusive.length} inconclusive: ${r.inconclusive.join(", ")})` : ""}`,
          );
          anomalies.push(...r.anomalies.map((a) => `${a.kind}: ${a.key}: ${a.detail}`));
          return { anomalies, notes };
        },
        close: () => db.close(),
      };
    },
  };
}

/** One linearizable read of every stock key the run used, recorded like any other operation. */
async function finalStockReads(history: History, addresses: string[]): Promise<void> {
  const db = new DatabaseClient({ addresses, deadlineMs: 10_000 });
  const keys = [...new Set(history.ops.filter((o) => o.key.startsWith("stock:")).map((o) => o.key))];
  for (const key of keys) {
    const op = history.invoke<{ f: "read" }, { found: boolean; value: string; version: number }>(
      -1,
      "read",
      key,
      { f: "read" },
    );
    try {
      const r = await db.read(key);
      history.complete(op, "ok", {
        found: r.found,
        value: r.found ? r.value : "",
        version: r.found ? r.version : 0,
      });
    } catch (error) {
      history.complete(op, "fail", undefined, String(error));
    }
  }
}

export function ordersTarget(seed: number, prefix: string, minutes: number): Target {
  const exHosts = letters("ex", 5);
  const dbHosts = letters("db", 3);
  const clients = 6;
  return {
    hosts: [...exHosts, ...dbHosts, "pay"],
    mix: ORDERS_MIX,
    clients,
    async start(net, dir) {
      const db = new RaftCluster(dbKind({ DB_DECISION_TIMEOUT_MS: "5000" }), net, dbHosts, dir);
      const paymentAddress = `${net.address("pay")}:${SERVICE_PORT}`;
      const payment = new HostProcess(
        {
          name: "payment",
          host: "pay",
          entry: "services/payment/src/index.ts",
          address: paymentAddress,
          env: {
            PAYMENT_HOST: net.address("pay"),
            PAYMENT_PORT: String(SERVICE_PORT),
            PAYMENT_ADMIN_PORT: String(SERVICE_PORT + 1),
            PAYMENT_DATA_DIR: join(dir, "data", "payment"),
            PAYMENT_DECISION_TIMEOUT_MS: "5000",
            LOG_LEVEL: "info",
          },
        },
        net,
        join(dir, "logs", "payment.log"),
      );
      const executors = new RaftCluster(
        {
          label: "order-executor",
          entry: "services/order-executor/src/index.ts",
          idPrefix: "ex",
          envPrefix: "EXECUTOR",
          token: TOKENS.executor,
          env: { DB_NODES: db.allAddresses().join(","), PAYMENT_ADDR: paymentAddress },
        },
        net,
        exHosts,
        dir,
      );
      payment.start();
      await Promise.all([db.start(3), payment.waitReady(), executors.start(3)]);
      await Promise.all([db.waitLeader(), executors.waitLeader()]);
      const wl = new OrderWorkload({
        executors: executors.allAddresses(),
        dbNodes: db.allAddresses(),
        payment: paymentAddress,
        seed,
        clients,
        prefix,
        books: 6,
        // About what the clients buy in the run: most orders find stock, the last ones may not.
        stockPerBook: Math.max(60, Math.round(200 * minutes)),
        thinkMs: 150,
      });
      await wl.setup();
      return {
        clusters: { executor: executors, db },
        payment,
        workload: (history, until) => wl.run(history, until),
        async check(history) {
          const anomalies: string[] = [];
          const notes: string[] = [];
          await recovered([executors, db], notes, anomalies);
          const { jobs, problems } = await wl.check(history, 120_000);
          const by = (s: number) => [...jobs.values()].filter((j) => j.status === s).length;
          notes.push(`${jobs.size} orders finished: ${by(3)} COMPLETED, ${by(4)} FAILED`);
          anomalies.push(...problems);
          return { anomalies, notes };
        },
        close: async () => {
          await executors.close();
          await payment.close();
          await db.close();
        },
      };
    },
  };
}
