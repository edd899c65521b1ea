// The order feed: one read per followed order however many follow it, and no follower left without
// the order's last state — even one that comes while the first follower's read is still on its way
// and a change has overtaken it on the stream, or after that read failed. An order followed from
// before it is submitted is not read unless asked.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { JobStatus } from "@bookstore/proto";
import { followOrder } from "../src/order-feed.js";
import { closeFeeds, feedOnFakeCluster, job } from "./support/fake-job-source.js";

const settle = () => new Promise((r) => setImmediate(r));

afterEach(closeFeeds);
const setUp = feedOnFakeCluster;

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

  it("does not read an order followed from before its submission: its changes come on the stream", async () => {
    const { cluster, feed } = setUp();
    const seen: JobStatus[] = [];
    feed.subscribe("order-1", (j) => seen.push(j.status), { unsubmitted: true });
    await settle();
    const early: JobStatus[] = [];
    feed.subscribe("order-1", (j) => early.push(j.status)); // the order's page, before its first change
    cluster.change(job(JobStatus.JOB_STATUS_EXECUTING));
    const later: JobStatus[] = [];
    feed.subscribe("order-1", (j) => later.push(j.status)); // and after it
    await settle();
    assert.deepEqual(seen, [JobStatus.JOB_STATUS_EXECUTING]);
    assert.deepEqual(early, [JobStatus.JOB_STATUS_EXECUTING]);
    assert.deepEqual(later, [JobStatus.JOB_STATUS_EXECUTING]);
    assert.equal(cluster.reads.length, 0);
  });

  it("reads such an order when asked (it existed already), and not twice at once", async () => {
    const { cluster, feed } = setUp();
    const seen: JobStatus[] = [];
    feed.subscribe("order-1", (j) => seen.push(j.status), { unsubmitted: true });
    feed.refresh("order-1");
    feed.refresh("order-1");
    feed.refresh("order-2"); // not followed
    assert.deepEqual(
      cluster.reads.map((r) => r.orderId),
      ["order-1"],
    );
    cluster.reads[0]?.answer(job(JobStatus.JOB_STATUS_COMPLETED));
    await settle();
    assert.deepEqual(seen, [JobStatus.JOB_STATUS_COMPLETED]);
  });

  it("reads for a later follower when the read of an order that existed already failed", async () => {
    const { cluster, feed } = setUp();
    feed.subscribe("order-1", () => {}, { unsubmitted: true });
    feed.refresh("order-1");
    cluster.reads[0]?.fail(new Error("UNAVAILABLE"));
    await settle();
    feed.subscribe("order-1", () => {});
    assert.equal(cluster.reads.length, 2);
  });
});
