// The order feed: one read per followed order however many follow it, and no follower left without
// the order's last state — even one that comes while the first follower's read is still on its way
// and a change has overtaken it on the stream, or after that read failed.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { createLogger } from "@bookstore/kit";
import { type GetJobResponse, JobStatus } from "@bookstore/proto";
import { followOrder, type JobSource, OrderFeed } from "../src/order-feed.js";

const logger = createLogger({ service: "order-feed-test", level: "silent" });
const job = (status: JobStatus) => ({ jobId: "order-1", status }) as GetJobResponse;
const settle = () => new Promise((r) => setImmediate(r));

/** An executor cluster whose reads answer when the test says, and whose stream the test feeds. */
function fakeCluster() {
  const reads: { orderId: string; answer: (j: GetJobResponse) => void; fail: (e: Error) => void }[] = [];
  let push: (j: GetJobResponse) => void = () => {};
  const source: JobSource = {
    getJob: (orderId) => new Promise((answer, fail) => reads.push({ orderId, answer, fail })),
    watchAll: (onConnected, onJob, signal) =>
      new Promise((resolve) => {
        push = onJob;
        onConnected();
        signal.addEventListener("abort", () => resolve(), { once: true });
      }),
  };
  return { source, reads, change: (j: GetJobResponse) => push(j) };
}

const feeds: OrderFeed[] = [];
afterEach(() => {
  for (const f of feeds.splice(0)) f.close();
});

function setUp() {
  const cluster = fakeCluster();
  const feed = new OrderFeed(cluster.source, logger);
  feeds.push(feed);
  return { cluster, feed };
}

describe("order feed", () => {
  it("reads an order once for all its followers, and again only once nobody follows it", async () => {
    const { cluster, feed } = setUp();
    const seen: JobStatus[] = [];
    const stopFirst = feed.subscribe("order-1", (j) => seen.push(j.status));
    await settle();
    const stopSecond = feed.subscribe("order-1", (j) => seen.push(j.status));
    assert.equal(cluster.reads.length, 1);
    cluster.reads[0]?.answer(job(JobStatus.JOB_STATUS_PENDING));
    await settle();
    assert.deepEqual(seen, [JobStatus.JOB_STATUS_PENDING, JobStatus.JOB_STATUS_PENDING]);
    stopFirst();
    stopSecond();
    feed.subscribe("order-1", () => {});
    assert.equal(cluster.reads.length, 2);
  });

  it("gives a later follower the furthest state seen at once", async () => {
    const { cluster, feed } = setUp();
    feed.subscribe("order-1", () => {});
    await settle();
    cluster.reads[0]?.answer(job(JobStatus.JOB_STATUS_PENDING));
    cluster.change(job(JobStatus.JOB_STATUS_EXECUTING));
    cluster.change(job(JobStatus.JOB_STATUS_PENDING)); // a late copy never takes it back
    await settle();
    const seen: JobStatus[] = [];
    feed.subscribe("order-1", (j) => seen.push(j.status));
    await settle();
    assert.deepEqual(seen, [JobStatus.JOB_STATUS_EXECUTING]);
    assert.equal(cluster.reads.length, 1);
  });

  it("finishes a follower that came after the last change, while the first read was still out", async () => {
    const { cluster, feed } = setUp();
    feed.subscribe("order-1", () => {}); // e.g. the purchase recorder, still following
    await settle();
    cluster.change(job(JobStatus.JOB_STATUS_COMPLETED)); // overtakes the first read
    const updates: JobStatus[] = [];
    const second = followOrder(feed, "order-1", (j) => updates.push(j.status), new AbortController().signal);
    cluster.reads[0]?.answer(job(JobStatus.JOB_STATUS_EXECUTING)); // read before the change
    await second;
    assert.deepEqual(updates, [JobStatus.JOB_STATUS_COMPLETED]);
    assert.equal(cluster.reads.length, 1);
  });

  it("reads again for a later follower when the first read failed", async () => {
    const { cluster, feed } = setUp();
    feed.subscribe("order-1", () => {});
    cluster.reads[0]?.fail(new Error("UNAVAILABLE"));
    await settle();
    const seen: JobStatus[] = [];
    feed.subscribe("order-1", (j) => seen.push(j.status));
    assert.equal(cluster.reads.length, 2);
    cluster.reads[1]?.answer(job(JobStatus.JOB_STATUS_PENDING));
    await settle();
    assert.deepEqual(seen, [JobStatus.JOB_STATUS_PENDING]);
  });
});
