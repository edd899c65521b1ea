// An executor cluster for the order feed's tests: its reads answer when the test says, and the test
// feeds its WatchJobs stream.
import type { GetJobResponse, JobStatus } from "@bookstore/proto";
import type { JobSource } from "../../src/order-feed.js";

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
