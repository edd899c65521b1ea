// An executor cluster for the order feed's tests: its reads answer when the test says, and the test
// feeds its WatchJobs stream.
import { createLogger } from "@bookstore/kit";
import type { GetJobResponse, JobStatus } from "@bookstore/proto";
import { type JobSource, OrderFeed } from "../../src/order-feed.js";

export const job = (status: JobStatus, jobId = "order-1") => ({ jobId, status }) as GetJobResponse;

export function fakeJobSource() {
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

const logger = createLogger({ service: "order-feed-test", level: "silent" });
const opened: OrderFeed[] = [];

/** An order feed on a fake cluster; `closeFeeds` (after each test) closes it. */
export function feedOnFakeCluster() {
  const cluster = fakeJobSource();
  const feed = new OrderFeed(cluster.source, logger);
  opened.push(feed);
  return { cluster, feed };
}

export function closeFeeds(): void {
  for (const feed of opened.splice(0)) feed.close();
}
