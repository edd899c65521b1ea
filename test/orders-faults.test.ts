// Order execution under faults, every service its own process: oversell under contention, the
// executor leader killed with orders in every phase, the payment service killed between prepare and
// commit, the stock database's primary killed during commits, the executor leader cut off from its
// peers. After each: every order ends COMPLETED or FAILED, a card is captured iff its stock was taken
// (for the order's total), no order is executed twice, no hold is left open, sold + remaining =
// initial. Each scenario uses its own books, so their stock is its alone.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { callUnary } from "@bookstore/kit";
import { JobStatus, ValueType } from "@bookstore/proto";
import {
  executorLeader,
  executorNode,
  type OrderSystem,
  orderInvariantProblems,
  prepareOrders,
  startOrderSystem,
  stockOf,
  submitOrders,
  submitPrepared,
  TOKENS,
  waitFinished,
} from "./support/order-system.js";

let s: OrderSystem;
before(async () => {
  s = await startOrderSystem({ EXECUTOR_CONCURRENCY: "16" });
});
after(() => s?.stop());

const line = (bookId: string, quantity = 1) => ({ bookId, title: bookId, quantity, unitPriceCents: 1000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setStock(books: Record<string, number>): Promise<Map<string, number>> {
  for (const [book, n] of Object.entries(books))
    await s.db.write(`stock:${book}`, String(n), ValueType.VALUE_TYPE_INT);
  return new Map(Object.entries(books));
}

/**
 * Submits `count` orders for the given books in ten batches over `ms` (cards tokenised beforehand,
 * so the load goes on while the payment service is down). The function it returns resolves with
 * the ids once all are submitted.
 */
async function steadyLoad(count: number, ms: number, books: string[]): Promise<() => Promise<string[]>> {
  const orders = await prepareOrders(s, count, (i) => ({ lines: [line(books[i % books.length] as string)] }));
  const batches = 10;
  const size = Math.ceil(count / batches);
  const submitted = (async () => {
    const ids: string[] = [];
    for (let b = 0; b < batches; b++) {
      ids.push(...(await submitPrepared(s, orders.slice(b * size, (b + 1) * size))));
      await sleep(ms / batches);
    }
    return ids;
  })();
  return () => submitted;
}

async function assertInvariants(ids: string[], initial: Map<string, number>, timeoutMs = 60_000) {
  const jobs = await waitFinished(s, ids, timeoutMs);
  assert.deepEqual(await orderInvariantProblems(s, jobs, initial), []);
  return jobs;
}

const count = (
  jobs: Map<string, { status: JobStatus; reasonCode: string }>,
  status: JobStatus,
  reason?: string,
) =>
  [...jobs.values()].filter((j) => j.status === status && (reason === undefined || j.reasonCode === reason))
    .length;

describe("order execution under faults", { timeout: 600_000 }, () => {
  it("200 concurrent orders for a book with 10 in stock: exactly 10 COMPLETED, 190 OUT_OF_STOCK", async () => {
    const initial = await setStock({ "the-name-of-the-wind": 10 });
    const ids = await submitOrders(s, 200, () => ({ lines: [line("the-name-of-the-wind")] }));
    const jobs = await assertInvariants(ids, initial);
    assert.equal(count(jobs, JobStatus.JOB_STATUS_COMPLETED), 10);
    assert.equal(count(jobs, JobStatus.JOB_STATUS_FAILED, "OUT_OF_STOCK"), 190);
    assert.equal((await stockOf(s, ["the-name-of-the-wind"])).get("the-name-of-the-wind"), 0);
  });

  it("priority: paused, mixed orders queue up; resumed, they run Overnight, then Express, then Standard", async () => {
    const initial = await setStock({ "pride-and-prejudice": 100 });
    const leader = await executorLeader(s);
    const node = executorNode(leader.address);
    await callUnary(
      node,
      node.setPaused,
      { adminToken: TOKENS.executor, paused: true },
      { deadlineMs: 5000 },
    );
    const shipping = ["Standard", "Express", "Overnight"] as const;
    const ids = await submitOrders(s, 30, (i) => ({
      lines: [line("pride-and-prejudice")],
      shippingMethod: shipping[i % 3],
    }));
    const status = await callUnary(node, node.getClusterStatus, {}, { deadlineMs: 5000 });
    assert.deepEqual(status.queuedByShipping, { Overnight: 10, Express: 10, Standard: 10 });
    await callUnary(
      node,
      node.setPaused,
      { adminToken: TOKENS.executor, paused: false },
      { deadlineMs: 5000 },
    );
    const jobs = await assertInvariants(ids, initial);
    // Orders start in batches (16 at a time) with one timestamp per batch: every order of a class
    // started no later than any order of a lower class.
    const startOf = (m: string) =>
      [...jobs.values()]
        .filter((j) => j.shippingMethod === m)
        .map((j) => Date.parse(j.transaction?.history[0]?.at ?? ""));
    const [overnight, express, standard] = SHIPPING.map(startOf) as [number[], number[], number[]];
    assert.ok(Math.max(...overnight) <= Math.min(...express), "Overnight before Express");
    assert.ok(Math.max(...express) <= Math.min(...standard), "Express before Standard");
  });

  it("an old Standard order is not starved: after 25 s of waiting it runs before new Overnight orders", async () => {
    const initial = await setStock({ "jane-eyre": 100 });
    const leader = await executorLeader(s);
    const node = executorNode(leader.address);
    const pause = (paused: boolean) =>
      callUnary(node, node.setPaused, { adminToken: TOKENS.executor, paused }, { deadlineMs: 5000 });
    await pause(true);
    const [old] = await submitOrders(s, 1, () => ({
      lines: [line("jane-eyre")],
      shippingMethod: "Standard",
    }));
    await sleep(26_000);
    // The highest priority a new order can have: Overnight and the largest value bonus.
    const dear = { ...line("jane-eyre"), unitPriceCents: 1_000_000 };
    const fresh = await submitOrders(s, 20, () => ({ lines: [dear], shippingMethod: "Overnight" }));
    const queue = await callUnary(
      node,
      node.listJobs,
      { status: JobStatus.JOB_STATUS_PENDING, limit: 50 },
      { deadlineMs: 5000 },
    );
    const waiting = queue.jobs.find((j) => j.jobId === old);
    assert.ok(
      waiting && queue.jobs.every((j) => j.jobId === old || j.effectivePriority < waiting.effectivePriority),
    );
    await pause(false);
    const jobs = await assertInvariants([old as string, ...fresh], initial);
    const startOf = (id: string) => Date.parse(jobs.get(id)?.transaction?.history[0]?.at ?? "");
    assert.ok(
      fresh.every((id) => startOf(old as string) <= startOf(id)),
      "the old order started first",
    );
  });

  it("SIGKILL of the executor leader with orders in every phase: a new leader finishes them all", async () => {
    const initial = await setStock({ "the-road": 60, dracula: 60 });
    const leader = await executorLeader(s);
    const node = executorNode(leader.address);
    // A queue to start from: paused, 40 orders wait; resumed, 16 start at once and the rest queue.
    await callUnary(
      node,
      node.setPaused,
      { adminToken: TOKENS.executor, paused: true },
      { deadlineMs: 5000 },
    );
    const queued = await submitOrders(s, 40, (i) => ({ lines: [line(i % 2 ? "the-road" : "dracula")] }));
    const load = await steadyLoad(40, 1500, ["the-road", "dracula"]);
    await callUnary(
      node,
      node.setPaused,
      { adminToken: TOKENS.executor, paused: false },
      { deadlineMs: 5000 },
    );
    await sleep(15);
    const atKill = await Promise.all(queued.map((id) => s.executor.getJob(id)));
    const { restart } = await s.kill(leader.name);
    const phases = new Set(atKill.map((j) => j.transaction?.phase ?? "QUEUED"));
    assert.ok(
      phases.has("QUEUED") && atKill.some((j) => j.status === JobStatus.JOB_STATUS_EXECUTING),
      [...phases].join(","),
    );
    const ids = [...queued, ...(await load())];
    const jobs = await assertInvariants(ids, initial);
    assert.ok(count(jobs, JobStatus.JOB_STATUS_COMPLETED) > 0);
    await restart();
  });

  it("SIGKILL of payment between prepare and commit, restarted: its holds survive and are captured or voided", async () => {
    const initial = await setStock({ frankenstein: 60, emma: 60 });
    const load = await steadyLoad(80, 1500, ["frankenstein", "emma"]);
    await sleep(500);
    const { restart } = await s.kill("payment");
    await sleep(700);
    await restart();
    const ids = await load();
    await assertInvariants(ids, initial);
    assert.ok(
      s.lines.some((l) => l.includes("participant call failed") && l.includes('"participant":"payment"')),
      "calls to payment failed while it was down, and were retried",
    );
  });

  it("SIGKILL of the stock database's primary during commits: the new primary takes the commits", async () => {
    const initial = await setStock({ middlemarch: 60, ulysses: 60 });
    const statuses = await s.db.statusAll();
    const primary = statuses.find((st) => st.status === "online" && st.role === "primary");
    assert.ok(primary && primary.status === "online");
    const load = await steadyLoad(80, 1500, ["middlemarch", "ulysses"]);
    await sleep(500);
    const { restart } = await s.kill(
      `db-node-${s.ports.dbNodes.map((p) => `127.0.0.1:${p}`).indexOf(primary.address) + 1}`,
    );
    const ids = await load();
    await assertInvariants(ids, initial);
    await restart();
  });

  it("the executor leader cut off from its peers under load: it commits nothing alone; the majority finishes every order", async () => {
    const initial = await setStock({ beloved: 60, rebecca: 60 });
    const leader = await executorLeader(s);
    const node = executorNode(leader.address);
    const others = ["ex1", "ex2", "ex3"].filter((id) => id !== leader.id);
    const load = await steadyLoad(80, 1500, ["beloved", "rebecca"]);
    await sleep(500);
    await callUnary(
      node,
      node.setPartition,
      { adminToken: TOKENS.executor, blockedPeers: others },
      { deadlineMs: 5000 },
    );
    await sleep(2500);
    const cutOff = await callUnary(node, node.getClusterStatus, {}, { deadlineMs: 5000 });
    assert.notEqual(cutOff.role, "leader", "a leader without a quorum steps down");
    const ids = await load();
    await callUnary(
      node,
      node.setPartition,
      { adminToken: TOKENS.executor, blockedPeers: [] },
      { deadlineMs: 5000 },
    );
    await assertInvariants(ids, initial);
  });
});

const SHIPPING = ["Overnight", "Express", "Standard"];
