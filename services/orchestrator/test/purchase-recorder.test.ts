// Recording a purchase for recommendations: a suggestions service that is down or restarting gets
// the purchase again with backoff (RecordPurchase is idempotent per order); a refusal that another
// attempt cannot fix, or the end of the follow window, ends the attempts. The recorder follows an
// order from before its submission, so the executors are not asked for it, unless the submission
// found it there already; an order that was not placed is not followed.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "@bookstore/kit";
import {
  JobStatus,
  type RecordPurchaseRequest,
  type RecordPurchasesRequest,
  type SuggestionsServiceClient,
} from "@bookstore/proto";
import { status } from "@grpc/grpc-js";
import type { CheckoutOrder } from "../src/checkout-order.js";
import type { Placement } from "../src/order-placement.js";
import { purchaseRecorder, sendWithRetries } from "../src/purchase-recorder.js";
import { closeFeeds, feedOnFakeCluster, job } from "./support/fake-job-source.js";

const logger = createLogger({ service: "purchase-recorder-test", level: "silent" });
const failure = (code: number) => Object.assign(new Error(status[code]), { code });

/** A send that fails with `codes` in turn, then succeeds; counts its calls. */
function scripted(codes: number[]) {
  const calls = { n: 0 };
  const send = async () => {
    const code = codes[calls.n++];
    if (code !== undefined) throw failure(code);
  };
  return { send, calls };
}

const options = (signal = new AbortController().signal) => ({
  signal,
  baseMs: 1,
  maxMs: 5,
  logger,
  orderId: "order-1",
});

describe("recording a purchase", () => {
  it("sends again while the suggestions service is unreachable, until it is recorded", async () => {
    const { send, calls } = scripted([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.UNAVAILABLE]);
    assert.equal(await sendWithRetries(send, options()), true);
    assert.equal(calls.n, 4);
  });

  it("does not repeat a refusal another attempt cannot fix", async () => {
    const { send, calls } = scripted([status.INVALID_ARGUMENT]);
    assert.equal(await sendWithRetries(send, options()), false);
    assert.equal(calls.n, 1);
  });

  it("stops when the order is no longer followed", async () => {
    const stop = new AbortController();
    const { send, calls } = scripted(Array(1000).fill(status.UNAVAILABLE));
    setTimeout(() => stop.abort(), 30);
    assert.equal(await sendWithRetries(send, { ...options(stop.signal), baseMs: 5 }), false);
    assert.ok(calls.n >= 2 && calls.n < 1000, `${calls.n} attempts`);
  });
});

/** A suggestions service that records every purchase it is sent, alone or in a batch. */
function fakeSuggestions() {
  const recorded: string[] = [];
  type Done = (e: null, r: unknown) => void;
  const answer = (done: Done, response: unknown) => {
    setImmediate(() => done(null, response));
    return { cancel() {} };
  };
  const client = {
    recordPurchase(request: RecordPurchaseRequest, _m: unknown, _o: unknown, done: Done) {
      recorded.push(request.orderId);
      return answer(done, { recorded: true });
    },
    recordPurchases(request: RecordPurchasesRequest, _m: unknown, _o: unknown, done: Done) {
      recorded.push(...request.purchases.map((p) => p.orderId));
      const results = request.purchases.map((p) => ({
        orderId: p.orderId,
        recorded: true,
        code: 0,
        message: "",
      }));
      return answer(done, { results });
    },
  };
  return { client: client as unknown as SuggestionsServiceClient, recorded };
}

const order = { orderId: "order-1", customerId: "c-1", lines: [{ bookId: "b-1" }] } as CheckoutOrder;
const placed = (created: boolean) => ({ kind: "placed", submitted: { created } }) as Placement;

afterEach(closeFeeds);

function setUp() {
  const { cluster, feed } = feedOnFakeCluster();
  const suggestions = fakeSuggestions();
  const record = purchaseRecorder({
    feed,
    suggestions: suggestions.client,
    deadlineMs: 1000,
    logger,
    windowMs: 1,
  });
  return { cluster, record, recorded: suggestions.recorded };
}

describe("the purchase recorder", () => {
  it("follows a new order without reading it and records it once COMPLETED", async () => {
    const { cluster, record, recorded } = setUp();
    const settled = record(order);
    settled(placed(true));
    cluster.change(job(JobStatus.JOB_STATUS_EXECUTING));
    await sleep(10);
    assert.deepEqual(recorded, []);
    cluster.change(job(JobStatus.JOB_STATUS_COMPLETED));
    await sleep(10);
    assert.deepEqual(recorded, ["order-1"]);
    assert.equal(cluster.reads.length, 0);
  });

  it("reads an order its submission found already there (a retried checkout)", async () => {
    const { cluster, record, recorded } = setUp();
    record(order)(placed(false));
    assert.equal(cluster.reads.length, 1);
    cluster.reads[0]?.answer(job(JobStatus.JOB_STATUS_COMPLETED));
    await sleep(10);
    assert.deepEqual(recorded, ["order-1"]);
  });

  it("stops following an order that was not placed", async () => {
    const { cluster, record, recorded } = setUp();
    record(order)({ kind: "unavailable", service: "order-executor", message: "down" });
    cluster.change(job(JobStatus.JOB_STATUS_COMPLETED));
    await sleep(10);
    assert.deepEqual(recorded, []);
  });
});
