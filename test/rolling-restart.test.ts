// A rolling restart, as Kubernetes performs one (SIGTERM, wait, start, wait until caught up, next),
// of every db-node and every order executor under checkout load (real processes): no checkout
// fails when its client retries within the documented window (10 s, same Idempotency-Key), no
// order fails for a reason of ours (presumed abort, a participant unavailable), nothing is lost.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { loadCatalog } from "@bookstore/catalog";
import { JobStatus, ValueType } from "@bookstore/proto";
import { ClusterAdmin } from "../scripts/cluster/cluster-admin.js";
import { validBody } from "./support/checkout-stack.js";
import {
  type OrderSystem,
  orderInvariantProblems,
  startOrderSystem,
  TOKENS,
  waitFinished,
} from "./support/order-system.js";

/** docs/deploy.md: a client retries 503s and broken connections with the same Idempotency-Key this long. */
const RETRY_WINDOW_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Reasons an order may fail that are the shopper's (the simulated bank), not the system's. */
const shopperReasons = new Set(["PAYMENT_DECLINED", "INSUFFICIENT_FUNDS"]);

describe("rolling restart under checkout load", { timeout: 400_000 }, () => {
  let s: OrderSystem;
  const book = loadCatalog().books.find((b) => b.title === "The Hobbit");
  before(async () => {
    s = await startOrderSystem({ LOG_LEVEL: "warn" });
    assert.ok(book);
    await s.db.write(`stock:${book.id}`, "1000000", ValueType.VALUE_TYPE_INT);
  });
  after(() => s?.stop());

  /** One shopper's checkout, retried as documented; the order id, or why it failed. */
  async function checkout(): Promise<{ orderId?: string; failure?: string; retries: number }> {
    const key = randomUUID();
    const body = JSON.stringify(validBody());
    const end = Date.now() + RETRY_WINDOW_MS;
    let last = "";
    for (let retries = 0; ; retries++) {
      try {
        const r = await fetch(`${s.baseUrl}/api/checkout`, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": key },
          body,
          signal: AbortSignal.timeout(5000),
        });
        const json = (await r.json()) as { orderId?: string; error?: { message: string } };
        if (r.status === 201) return { orderId: json.orderId as string, retries };
        last = `${r.status} ${json.error?.message ?? ""}`;
        if (r.status !== 503) return { failure: last, retries };
      } catch (error) {
        last = String(error);
      }
      if (Date.now() > end) return { failure: `still failing after ${RETRY_WINDOW_MS} ms: ${last}`, retries };
      await sleep(200);
    }
  }

  /** SIGTERM, restart, and wait until the node has applied what its cluster had committed. */
  async function restart(name: string, admin: ClusterAdmin, address: string): Promise<number> {
    const started = Date.now();
    const { restart: again } = await s.kill(name, "SIGTERM");
    await again();
    const { status: leader } = await admin.leader();
    for (;;) {
      const me = await admin.status(address);
      if (me.online && me.status.appliedIndex >= leader.commitIndex) return Date.now() - started;
      assert.ok(Date.now() - started < 60_000, `${name} caught up within 60 s`);
      await sleep(100);
    }
  }

  it("restarts every db-node and executor one at a time: no failed checkout, no order failed by us, nothing lost", async () => {
    const results: Awaited<ReturnType<typeof checkout>>[] = [];
    let running = true;
    const shopper = async () => {
      while (running) results.push(await checkout());
    };
    const shoppers = Array.from({ length: 6 }, () => shopper());
    await sleep(1500);
    const dbAddresses = s.ports.dbNodes.map((p) => `127.0.0.1:${p}`);
    const db = new ClusterAdmin(dbAddresses, TOKENS.db, 20_000);
    const ex = new ClusterAdmin(s.executorAddresses, TOKENS.executor, 20_000);
    const took: string[] = [];
    for (const [i, address] of dbAddresses.entries())
      took.push(`db-node-${i + 1} ${await restart(`db-node-${i + 1}`, db, address)} ms`);
    for (const [i, address] of s.executorAddresses.entries())
      took.push(`order-executor-${i + 1} ${await restart(`order-executor-${i + 1}`, ex, address)} ms`);
    await sleep(1000);
    running = false;
    await Promise.all(shoppers);

    const failed = results.filter((r) => r.failure);
    assert.deepEqual(failed.slice(0, 5), [], `${failed.length} of ${results.length} checkouts failed`);
    const ids = results.map((r) => r.orderId as string);
    assert.ok(ids.length > 30, `${ids.length} checkouts during the restarts`);
    const jobs = await waitFinished(s, ids, 120_000);
    const ours = [...jobs.values()].filter(
      (j) => j.status !== JobStatus.JOB_STATUS_COMPLETED && !shopperReasons.has(j.reasonCode),
    );
    assert.deepEqual(
      ours.slice(0, 5).map((j) => `${j.jobId}: ${j.reasonCode} ${j.reason}`),
      [],
      `${ours.length} orders failed for a reason of ours`,
    );
    assert.ok(book);
    const initial = new Map([[book.id, 1_000_000]]);
    assert.deepEqual(await orderInvariantProblems(s, jobs, initial), []);
    const retried = results.filter((r) => r.retries > 0).length;
    console.log(`# ${took.join(", ")}; ${ids.length} checkouts, ${retried} retried, all placed and executed`);
  });
});
