// `npm run bench -- db`: our 3-node db-node cluster and (when the `etcd` binary is installed) a
// 3-member etcd, each as separate processes on loopback, both durable (fdatasync), driven by the same
// Node gRPC load generator in this process (@grpc/grpc-js for both: our DatabaseClient, and an
// etcd KV stub per member used round-robin): 256-byte writes and linearizable reads at 1/64/256
// clients. Ours twice: with the DatabaseClient as shipped (concurrent requests travel in Batch
// calls) and with `batch: false` (one call per request, like the etcd stub). Both clusters run side by side and every case is measured on both back to back
// (alternating which goes first), so a ratio compares the two under the same machine load. Then
// the time from SIGKILL of the primary to the first acknowledged write on the new one.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseClient, ValueType } from "@bookstore/db-client";
import { closeAllClients } from "@bookstore/kit";
import { credentials, loadPackageDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { freePort } from "../../scripts/system.js";
import { DbCluster } from "../../services/db-node/src/cluster-harness.js";
import { type BenchRow, percentile, round } from "../lib/report.js";

const durationMs = Number(process.env.DB_BENCH_MS ?? 3000);
const concurrencies = [1, 64, 256];
const keys = 10_000;
const value = "v".repeat(256);

type Op = (worker: number, seq: number) => Promise<unknown>;

async function load(op: Op, clients: number, ms: number) {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      let seq = 0;
      while (performance.now() < end) {
        const s = performance.now();
        try {
          await op(w, seq++);
          latencies.push(performance.now() - s);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies, errors, elapsed: performance.now() - t0 };
}

async function measureOne(system: string, kind: string, clients: number, op: Op): Promise<BenchRow> {
  await load(op, clients, 300); // warm-up
  const r = await load(op, clients, durationMs);
  return {
    suite: "db",
    case: `${system} ${kind}`,
    clients,
    ops_per_s: round((r.latencies.length / r.elapsed) * 1000, 0),
    p50_ms: round(percentile(r.latencies, 50)),
    p99_ms: round(percentile(r.latencies, 99)),
    errors: r.errors,
  };
}

interface System {
  name: string;
  write: Op;
  read: Op;
}

const kinds = ["write 256 B", "linearizable read"] as const;

/** Every case on every system, back to back, alternating which system goes first. */
async function measureAll(systems: System[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // Warm every system up first (JIT, connections, log files), so the first case is not the coldest.
  for (const sys of systems) await load(sys.write, 64, 2000);
  let turn = 0;
  for (const kind of kinds) {
    for (const c of concurrencies) {
      const order = turn++ % 2 === 0 ? systems : [...systems].reverse();
      for (const sys of order) {
        rows.push(await measureOne(sys.name, kind, c, kind === "write 256 B" ? sys.write : sys.read));
      }
    }
  }
  // Grouped by system, as before.
  return systems.flatMap((sys) => rows.filter((r) => of(r, sys.name)));
}

/** Is `row` a measurement of the system called `name`? */
function of(row: BenchRow, name: string): boolean {
  return kinds.some((kind) => row.case === `${name} ${kind}`);
}

const OURS = "db-node";
const OURS_SINGLE = "db-node (batch: false)";

function ourSystem(name: string, db: DatabaseClient): System {
  return {
    name,
    write: (w, s) => db.write(`k${(w * 7919 + s) % keys}`, value, ValueType.VALUE_TYPE_STRING),
    read: (w, s) => db.read(`k${(w * 7919 + s) % keys}`),
  };
}

/** SIGKILL the primary under a light write load; time to the first write sent after the kill that
 * is acknowledged (by the new primary). */
async function failover(cluster: DbCluster, db: DatabaseClient): Promise<BenchRow> {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const all = await db.statusAll();
    const primary = all.find((s) => s.status === "online" && s.role === "primary");
    if (!primary) break;
    const node = cluster.byAddress(primary.address);
    const killedAt = Date.now();
    node.kill("SIGKILL");
    let acked = 0;
    while (!acked && Date.now() - killedAt < 10_000) {
      await db.write("failover", String(i), ValueType.VALUE_TYPE_INT).then(
        () => {
          acked = Date.now();
        },
        () => {},
      );
    }
    samples.push(acked - killedAt);
    await node.start();
    await new Promise((r) => setTimeout(r, 1500));
  }
  return {
    suite: "db",
    case: "db-node SIGKILL primary → first acknowledged write",
    clients: 1,
    ops_per_s: 0,
    p50_ms: round(percentile(samples, 50)),
    p99_ms: round(Math.max(...samples)),
    errors: 0,
    samples_ms: samples.join("/"),
  };
}

// The two etcd v3 KV calls we use, with etcd's field numbers (api/etcdserverpb/rpc.proto).
const etcdProto = `syntax = "proto3";
package etcdserverpb;
service KV {
  rpc Range(RangeRequest) returns (RangeResponse);
  rpc Put(PutRequest) returns (PutResponse);
}
message ResponseHeader { uint64 cluster_id = 1; uint64 member_id = 2; int64 revision = 3; uint64 raft_term = 4; }
message RangeRequest { bytes key = 1; bytes range_end = 2; int64 limit = 3; int64 revision = 4; bool serializable = 7; }
message KeyValue { bytes key = 1; int64 create_revision = 2; int64 mod_revision = 3; int64 version = 4; bytes value = 5; }
message RangeResponse { ResponseHeader header = 1; repeated KeyValue kvs = 2; bool more = 3; int64 count = 4; }
message PutRequest { bytes key = 1; bytes value = 2; int64 lease = 3; bool prev_kv = 4; }
message PutResponse { ResponseHeader header = 1; }
`;

type EtcdKv = {
  put(req: object, opts: object, cb: (e: Error | null) => void): void;
  range(req: object, opts: object, cb: (e: Error | null) => void): void;
  close(): void;
};

/** A 3-member etcd on loopback, ready for puts; or why it cannot run. */
async function startEtcd(): Promise<{ system: System; stop: () => Promise<void> } | string> {
  if (spawnSync("etcd", ["--version"]).status !== 0) return "etcd not found (apt-get install etcd-server)";
  const dir = mkdtempSync(join(tmpdir(), "etcd-bench-"));
  const members = [];
  for (let i = 1; i <= 3; i++)
    members.push({ name: `e${i}`, client: await freePort(), peer: await freePort() });
  const initial = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(",");
  const procs = members.map((m) =>
    spawn(
      "etcd",
      [
        `--name=${m.name}`,
        `--data-dir=${join(dir, m.name)}`,
        `--listen-client-urls=http://127.0.0.1:${m.client}`,
        `--advertise-client-urls=http://127.0.0.1:${m.client}`,
        `--listen-peer-urls=http://127.0.0.1:${m.peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${m.peer}`,
        `--initial-cluster=${initial}`,
        "--initial-cluster-state=new",
        "--log-level=error",
      ],
      { stdio: "ignore" },
    ),
  );
  const protoFile = join(dir, "kv.proto");
  writeFileSync(protoFile, etcdProto);
  const pkg = loadPackageDefinition(loadSync(protoFile)) as unknown as {
    etcdserverpb: { KV: new (addr: string, creds: ReturnType<typeof credentials.createInsecure>) => EtcdKv };
  };
  const clients = members.map(
    (m) => new pkg.etcdserverpb.KV(`127.0.0.1:${m.client}`, credentials.createInsecure()),
  );
  let next = 0;
  const call = (method: "put" | "range", req: object) =>
    new Promise<void>((resolve, reject) => {
      const c = clients[next++ % clients.length] as EtcdKv;
      c[method](req, { deadline: Date.now() + 5000 }, (e) => (e ? reject(e) : resolve()));
    });
  const stop = async () => {
    for (const c of clients) c.close();
    for (const p of procs) p.kill("SIGTERM");
    await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(0) : p.once("exit", r)))));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const end = Date.now() + 20_000;
    for (;;) {
      try {
        await call("put", { key: Buffer.from("warm"), value: Buffer.from("1") });
        break;
      } catch (error) {
        if (Date.now() > end) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const buf = Buffer.from(value);
  return {
    system: {
      name: "etcd",
      write: (w, s) => call("put", { key: Buffer.from(`k${(w * 7919 + s) % keys}`), value: buf }),
      read: (w, s) => call("range", { key: Buffer.from(`k${(w * 7919 + s) % keys}`) }),
    },
    stop,
  };
}

export default async function run(): Promise<BenchRow[]> {
  const cluster = await DbCluster.start({ env: { DB_SEED_CATALOG: "false", LOG_LEVEL: "error" } });
  try {
    const db = new DatabaseClient({ addresses: cluster.addresses, deadlineMs: 5000 });
    const single = new DatabaseClient({ addresses: cluster.addresses, deadlineMs: 5000, batch: false });
    await db.write("warm", "1", ValueType.VALUE_TYPE_INT);
    const etcd = await startEtcd();
    if (typeof etcd === "string") console.log(`# ${etcd}: only db-node rows`);
    let measured: BenchRow[];
    try {
      const ours = [ourSystem(OURS, db), ourSystem(OURS_SINGLE, single)];
      measured = await measureAll(typeof etcd === "string" ? ours : [...ours, etcd.system]);
    } finally {
      if (typeof etcd !== "string") await etcd.stop();
    }
    const rows = measured.filter((r) => of(r, OURS) || of(r, OURS_SINGLE));
    rows.push(await failover(cluster, db));
    const theirs = measured.filter((r) => of(r, "etcd"));
    if (theirs.length === 0) return rows;
    // Ratio rows: ours / etcd, per client mode, operation and client count.
    const ratios: BenchRow[] = [];
    for (const name of [OURS, OURS_SINGLE]) {
      for (const kind of kinds) {
        for (const c of concurrencies) {
          const a = measured.find((r) => r.case === `${name} ${kind}` && r.clients === c);
          const b = theirs.find((r) => r.case === `etcd ${kind}` && r.clients === c);
          if (!a || !b) continue;
          ratios.push({
            suite: "db",
            case: `ratio ${name}/etcd ${kind}`,
            clients: c,
            ops_per_s: round(a.ops_per_s / b.ops_per_s),
            p50_ms: round(a.p50_ms / b.p50_ms),
            p99_ms: round(a.p99_ms / b.p99_ms),
            errors: 0,
          });
        }
      }
    }
    return [...rows, ...theirs, ...ratios];
  } finally {
    await cluster.stop();
    closeAllClients();
  }
}
