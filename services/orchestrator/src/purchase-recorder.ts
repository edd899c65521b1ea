// Recommendations learn from purchases: once a placed order is COMPLETED (followed through the
// order feed), the suggestions service records it. RecordPurchase is idempotent per order.
import { callUnary, type Logger } from "@bookstore/kit";
import { JobStatus, type SuggestionsServiceClient } from "@bookstore/proto";
import type { CheckoutOrder } from "./checkout-order.js";
import { followOrder, type OrderFeed } from "./order-feed.js";

/** Longest an order is followed: one still not finished by then is left to the executor's own retries. */
const FOLLOW_FOR_MS = 10 * 60_000;

export function purchaseRecorder(o: {
  feed: OrderFeed;
  suggestions: SuggestionsServiceClient;
  deadlineMs: number;
  logger: Logger;
}) {
  return (order: CheckoutOrder): void => {
    const stop = AbortSignal.timeout(FOLLOW_FOR_MS);
    void followOrder(
      o.feed,
      order.orderId,
      (job) => {
        if (job.status !== JobStatus.JOB_STATUS_COMPLETED) return;
        callUnary(
          o.suggestions,
          o.suggestions.recordPurchase,
          { customerId: order.customerId, orderId: order.orderId, bookIds: order.lines.map((l) => l.bookId) },
          { deadlineMs: o.deadlineMs, idempotent: true },
        ).catch((err: unknown) =>
          o.logger.warn({ orderId: order.orderId, err }, "could not record the purchase"),
        );
      },
      stop,
    );
  };
}
