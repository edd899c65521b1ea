// Recommendations learn from purchases: once a placed order is COMPLETED (followed through the
// executor's WatchJob), the suggestions service records it. RecordPurchase is idempotent per order.
import { callUnary, type Logger } from "@bookstore/kit";
import { JobStatus, type SuggestionsServiceClient } from "@bookstore/proto";
import type { CheckoutOrder } from "./checkout-order.js";
import type { ExecutorClient } from "./executor-client.js";

/** Longest an order is followed: one still not finished by then is left to the executor's own retries. */
const FOLLOW_FOR_MS = 10 * 60_000;

export function purchaseRecorder(o: {
  executor: ExecutorClient;
  suggestions: SuggestionsServiceClient;
  deadlineMs: number;
  logger: Logger;
}) {
  return (order: CheckoutOrder): void => {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), FOLLOW_FOR_MS);
    timer.unref();
    const record = () =>
      callUnary(
        o.suggestions,
        o.suggestions.recordPurchase,
        { customerId: order.customerId, orderId: order.orderId, bookIds: order.lines.map((l) => l.bookId) },
        { deadlineMs: o.deadlineMs, idempotent: true },
      ).catch((err: unknown) =>
        o.logger.warn({ orderId: order.orderId, err }, "could not record the purchase"),
      );
    let recorded = false;
    o.executor
      .watch(
        order.orderId,
        (job) => {
          if (job.status !== JobStatus.JOB_STATUS_COMPLETED || recorded) return;
          recorded = true;
          void record();
        },
        stop.signal,
      )
      .catch((err: unknown) => o.logger.warn({ orderId: order.orderId, err }, "stopped following the order"))
      .finally(() => clearTimeout(timer));
  };
}
