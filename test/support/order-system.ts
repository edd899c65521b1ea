// The whole system for order-execution tests (every service its own process, free ports), clients
// for it, and the check of ARCHITECTURE's order invariants over the executors' orders, the
// payment service's transactions and the db-node's stock.
import { rmSync } from "node:fs";
import { DatabaseClient } from "@bookstore/db-client";
import { callUnary, clientFor, closeAllClients } from "@bookstore/kit";
import {
  type GetJobResponse,
  JobStatus,
  OrderExecutorServiceClient,
  PaymentServiceClient,
  PaymentState,
  type PaymentTransaction,
} from "@bookstore/proto";
import {
  freeSystemPorts,
  type RunningProcess,
  type System,
  type SystemPorts,
  startProcess,
  startSystem,
  systemSpecs,
  waitReady,
} from "../../scripts/system.js";
import { ExecutorClient, isFinished } from "../../services/orchestrator/src/executor-client.js";
import type { OrderPayload } from "../../services/orchestrator/src/order-placement.js";

export const TOKENS = {
  db: "dev-only-db-admin-token",
  executor: "dev-only-executor-admin-token",
  payment: "dev-only-payment-admin-token",
};

export interface OrderSystem {
  ports: SystemPorts;
  system: System;
  lines: string[];
  baseUrl: string;
  executor: ExecutorClient;
  db: DatabaseClient;
  payment: PaymentServiceClient;
  executorAddresses: string[];
  stop(): Promise<void>;
  /** SIGKILL (or `signal`) a process by name; `restart()` starts it again on the same ports and data. */
  kill(name: string, signal?: NodeJS.Signals): Promise<{ restart(): Promise<void> }>;
}

/**
 * The system without suggestions. `nodes` sizes both Raft clusters (3 by default);
 * `executionOnly` starts only what executes orders (db-nodes, payment, executors), for tests that
 * submit orders to the executors directly.
 */
export async function startOrderSystem(
  env: Record<string, string> = {},
  o: { nodes?: number; executionOnly?: boolean } = {},
): Promise<OrderSystem> {
  const ports = await freeSystemPorts(o.nodes ?? 3);
  const lines: string[] = [];
  const onLine = (name: string, line: string) => lines.push(`${name} ${line}`);
  const specs = systemSpecs(ports, { LOG_LEVEL: "info", ...env }, { withoutSuggestions: true });
  const execution = /^(db-node|order-executor)-\d+$|^payment$/;
  const system = await startSystem(
    o.executionOnly ? specs.filter((s) => execution.test(s.name)) : specs,
    onLine,
  );
  const executorAddresses = ports.executors.map((p) => `127.0.0.1:${p}`);
  return {
    ports,
    system,
    lines,
    baseUrl: `http://127.0.0.1:${ports.orchestrator}`,
    executor: new ExecutorClient({ addresses: executorAddresses, deadlineMs: 10_000 }),
    db: new DatabaseClient({ addresses: ports.dbNodes.map((p) => `127.0.0.1:${p}`), deadlineMs: 10_000 }),
    payment: clientFor(PaymentServiceClient, `127.0.0.1:${ports.payment}`),
    executorAddresses,
    async stop() {
      await system.stop();
      closeAllClients();
      rmSync(ports.dbDataDir, { recursive: true, force: true });
    },
    async kill(name, signal = "SIGKILL") {
      const old = system.byName(name);
      old.child.kill(signal);
      await old.exited;
      return {
        restart: async () => {
          const fresh: RunningProcess = startProcess(old.spec, onLine);
          system.processes[system.processes.indexOf(old)] = fresh;
          await waitReady(fresh);
        },
      };
    },
  };
}

/** The executor node that leads now (its address and process name). */
export async function executorLeader(
  s: OrderSystem,
  timeoutMs = 10_000,
): Promise<{ address: string; name: string; id: string }> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const statuses = await s.executor.statusAll(500);
    const leader = statuses.find((st) => st.status === "online" && st.role === "leader");
    if (leader) {
      const i = s.executorAddresses.indexOf(leader.address);
      return { address: leader.address, name: `order-executor-${i + 1}`, id: `ex${i + 1}` };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("no executor leader");
}

let serial = 0;

/** Orders ready to submit, each with a card tokenised for its own customer. */
export async function prepareOrders(
  s: OrderSystem,
  count: number,
  order: (i: number) => Partial<OrderPayload> & { lines: OrderPayload["lines"] },
  card = "4111111111111111",
): Promise<OrderPayload[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const orderId = `t${process.pid}-${++serial}`;
      const customerId = `customer-${orderId}`;
      const token = await callUnary(
        s.payment,
        s.payment.tokenizeCard,
        { number: card, expirationDate: "12/30", cvv: "123", customerId },
        { deadlineMs: 10_000, idempotent: true },
      );
      const o = order(i);
      return {
        orderId,
        customerId,
        shippingMethod: "Standard",
        payment: { method: "credit_card", token: token.token, brand: token.brand, last4: token.last4 },
        totalCents: o.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0),
        ...o,
      } satisfies OrderPayload;
    }),
  );
}

/** Submits orders to the executor cluster (retried across leader changes); returns their ids. */
export async function submitPrepared(s: OrderSystem, orders: OrderPayload[]): Promise<string[]> {
  await Promise.all(orders.map((o) => s.executor.submit(o.orderId, JSON.stringify(o))));
  return orders.map((o) => o.orderId);
}

export async function submitOrders(
  s: OrderSystem,
  count: number,
  order: (i: number) => Partial<OrderPayload> & { lines: OrderPayload["lines"] },
  card?: string,
): Promise<string[]> {
  return submitPrepared(s, await prepareOrders(s, count, order, card));
}

/** Waits until every order is COMPLETED or FAILED; returns them (throws with the stuck ones). */
export async function waitFinished(
  s: OrderSystem,
  ids: string[],
  timeoutMs = 60_000,
): Promise<Map<string, GetJobResponse>> {
  const end = Date.now() + timeoutMs;
  const done = new Map<string, GetJobResponse>();
  while (Date.now() < end) {
    const open = ids.filter((id) => !done.has(id));
    const jobs = await Promise.all(open.map((id) => s.executor.getJob(id).catch(() => undefined)));
    for (const job of jobs) if (job && isFinished(job)) done.set(job.jobId, job);
    if (done.size === ids.length) return done;
    await new Promise((r) => setTimeout(r, 200));
  }
  const stuck = ids.filter((id) => !done.has(id));
  throw new Error(`${stuck.length} orders not finished in time: ${stuck.slice(0, 5).join(", ")}`);
}

/** What the order invariants read: the stock database and the payment service. */
export type OrderStores = Pick<OrderSystem, "db" | "payment">;

async function allPayments(s: OrderStores): Promise<PaymentTransaction[]> {
  const all: PaymentTransaction[] = [];
  let pageToken = "";
  do {
    const page = await callUnary(
      s.payment,
      s.payment.listTransactions,
      { adminToken: TOKENS.payment, pageSize: 1000, pageToken },
      { deadlineMs: 10_000, idempotent: true },
    );
    all.push(...page.transactions);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

export async function stockOf(s: OrderStores, bookIds: string[]): Promise<Map<string, number>> {
  const values = await Promise.all(bookIds.map((id) => s.db.read(`stock:${id}`)));
  return new Map(bookIds.map((id, i) => [id, Number(values[i]?.value)]));
}

/**
 * ARCHITECTURE's order invariants for `jobs` (every one finished): charged iff stock taken, for
 * the order's total; no order executed twice; no hold left open; sold + remaining = initial.
 */
export async function orderInvariantProblems(
  s: OrderStores,
  jobs: Map<string, GetJobResponse>,
  initialStock: Map<string, number>,
): Promise<string[]> {
  const problems: string[] = [];
  const payments = await allPayments(s);
  const byOrder = new Map<string, PaymentTransaction[]>();
  for (const p of payments) byOrder.set(p.orderId, [...(byOrder.get(p.orderId) ?? []), p]);
  for (const p of payments)
    if (p.state === PaymentState.PAYMENT_STATE_AUTHORIZED)
      problems.push(`hold left open: ${p.transactionId}`);
  const sold = new Map<string, number>();
  for (const job of jobs.values()) {
    const captured = (byOrder.get(job.jobId) ?? []).filter(
      (p) => p.state === PaymentState.PAYMENT_STATE_CAPTURED,
    );
    if (captured.length > 1) problems.push(`${job.jobId} captured ${captured.length} times`);
    if (job.status === JobStatus.JOB_STATUS_COMPLETED) {
      if (captured[0]?.amountCents !== job.totalCents)
        problems.push(`${job.jobId} COMPLETED but captured ${captured[0]?.amountCents}`);
      for (const l of job.lines) sold.set(l.bookId, (sold.get(l.bookId) ?? 0) + l.quantity);
    } else if (captured.length > 0) {
      problems.push(`${job.jobId} FAILED (${job.reasonCode}) but captured`);
    }
  }
  const remaining = await stockOf(s, [...initialStock.keys()]);
  for (const [book, initial] of initialStock) {
    const left = remaining.get(book) ?? Number.NaN;
    if ((sold.get(book) ?? 0) + left !== initial)
      problems.push(`${book}: sold ${sold.get(book) ?? 0} + remaining ${left} != initial ${initial}`);
    if (left < 0) problems.push(`${book}: negative stock ${left}`);
  }
  return problems;
}

/** The executor's own view, for tests that need it: GetClusterStatus on one node. */
export function executorNode(address: string) {
  return clientFor(OrderExecutorServiceClient, address);
}
