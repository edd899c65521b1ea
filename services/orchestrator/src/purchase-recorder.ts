// Recommendations learn from purchases: once a placed order is COMPLETED (followed through the
// order feed), the suggestions service records it. The purchases of orders completing together
// travel in one RecordPurchases call (kit's CallBatcher). Recording is idempotent per order, so a
// purchase that could not be recorded (suggestions down or restarting) is sent again with backoff
// for as long as the order is followed, not dropped after one call. It follows each order from just
// before SubmitJob, so the order feed need not read it.
import { setTimeout as sleep } from "node:timers/promises";
import { CallBatcher, callUnary, jitteredBackoff, type Logger } from "@bookstore/kit";
import {
  JobStatus,
  type RecordPurchaseRequest,
  type RecordPurchaseResult,
  type SuggestionsServiceClient,
} from "@bookstore/proto";
import { status } from "@grpc/grpc-js";
import type { CheckoutOrder } from "./checkout-order.js";
import { followOrder, type OrderFeed } from "./order-feed.js";
import type { Placement } from "./order-placement.js";

/** Longest an order is followed: one still not finished by then is left to the executor's own retries. */
const FOLLOW_FOR_MS = 10 * 60_000;

/** Answers that another attempt may get past; any other is a defect to report, not to repeat. */
const TRANSIENT = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED]);

export interface RetryOptions {
  /** Ends the attempts (the order is no longer followed, or the process stops). */
  signal: AbortSignal;
  /** First wait after a failure, doubling up to `maxMs` (jittered). */
  baseMs: number;
  maxMs: number;
  logger: Logger;
  orderId: string;
}

/** Sends until it succeeds, a failure is not transient, or `signal` ends it; true once recorded. */
export async function sendWithRetries(send: () => Promise<unknown>, o: RetryOptions): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await send();
      if (attempt > 0) o.logger.info({ orderId: o.orderId, attempts: attempt + 1 }, "purchase recorded");
      return true;
    } catch (err) {
      const transient = TRANSIENT.has((err as { code?: number }).code ?? -1);
      if (!transient || o.signal.aborted) {
        o.logger.warn({ orderId: o.orderId, err, attempts: attempt + 1 }, "could not record the purchase");
        return false;
      }
      if (attempt === 0)
        o.logger.warn(
          { orderId: o.orderId, err },
          "could not record the purchase yet; retrying with backoff",
        );
      const wait = jitteredBackoff(attempt, o.baseMs, o.maxMs);
      try {
        await sleep(wait, undefined, { signal: o.signal });
      } catch {
        o.logger.warn({ orderId: o.orderId, attempts: attempt + 1 }, "gave up recording the purchase");
        return false;
      }
    }
  }
}

/** Most purchases in one RecordPurchases call (the service accepts 1000). */
const MAX_PER_CALL = 500;

/** The service's refusal of one purchase, as the error its own RecordPurchase call would have given. */
class PurchaseRefused extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** RecordPurchases for the purchases of the last few milliseconds (RecordPurchase one by one for an older service). */
function purchaseBatcher(suggestions: SuggestionsServiceClient, deadlineMs: number, windowMs: number) {
  const settings = { deadlineMs, idempotent: true };
  return new CallBatcher<RecordPurchaseRequest, RecordPurchaseResult>(
    {
      many: async (purchases) =>
        (await callUnary(suggestions, suggestions.recordPurchases, { purchases }, settings)).results,
      one: async (request) => {
        const r = await callUnary(suggestions, suggestions.recordPurchase, request, settings);
        return { orderId: request.orderId, recorded: r.recorded, code: 0, message: "" };
      },
    },
    { windowMs, maxPerCall: MAX_PER_CALL },
  );
}

/** Told how the submission of an order it follows ended. */
export type PlacementSettled = (placement: Placement) => void;

/**
 * Follows every order from just before it is submitted (so the feed need not read it) and records
 * its purchase once it is COMPLETED; returns what to tell once the submission has answered.
 */
export function purchaseRecorder(o: {
  feed: OrderFeed;
  suggestions: SuggestionsServiceClient;
  deadlineMs: number;
  logger: Logger;
  /** How long a purchase waits for others to travel with. */
  windowMs?: number;
}) {
  const batcher = purchaseBatcher(o.suggestions, o.deadlineMs, o.windowMs ?? 5);
  return (order: CheckoutOrder): PlacementSettled => {
    // One controller for both ends (AbortSignal.any leaks in Node 20: nodejs/node#54614).
    const follow = new AbortController();
    setTimeout(() => follow.abort(), FOLLOW_FOR_MS).unref();
    const stop = follow.signal;
    const request = {
      customerId: order.customerId,
      orderId: order.orderId,
      bookIds: order.lines.map((l) => l.bookId),
    };
    const send = async () => {
      const r = await batcher.add(request);
      if (r.code !== 0) throw new PurchaseRefused(r.code, r.message);
    };
    void followOrder(
      o.feed,
      order.orderId,
      (job) => {
        if (job.status !== JobStatus.JOB_STATUS_COMPLETED) return;
        void sendWithRetries(send, {
          signal: stop,
          baseMs: 500,
          maxMs: 30_000,
          logger: o.logger,
          orderId: order.orderId,
        });
      },
      stop,
      { unsubmitted: true },
    );
    return (placement) => {
      if (placement.kind !== "placed") follow.abort();
      // A retried checkout's order existed before this follower came: its changes may be past.
      else if (!placement.submitted.created) o.feed.refresh(order.orderId);
    };
  };
}
