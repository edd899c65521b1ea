// Step 4 of the checkout: ClearOrder(orderId, finalClock) to every service that saw the order, after
// the answer. A service that has seen more than the final clock refuses and returns its clock; that
// is merged (the orchestrator has decided, so those events are part of the order's history) and the
// cleanup is retried, up to `attempts`. Cleanups queued for one service within a few milliseconds
// travel together in one ClearOrders call (kit's CallBatcher). Whatever is never cleared expires
// with the service's TTL.
import { CallBatcher, callUnary, isServiceError, type Logger } from "@bookstore/kit";
import type { ClearOrderResult } from "@bookstore/proto";
import { deserialize, fromEntries, merge, tick, type VectorClock } from "@bookstore/vector-clock";
import type { CheckoutClients } from "./checkout-events.js";
import { PROCESS, type ServiceName } from "./order-clock.js";

interface Pending {
  orderId: string;
  clock: VectorClock;
  attempt: number;
}

export interface CleanupSettings {
  deadlineMs: number;
  /** How many times a refused or failed cleanup is tried. */
  attempts: number;
  /** How long cleanups wait to travel together. */
  windowMs?: number;
}

const MAX_PER_CALL = 500;

type ClearRequest = { orderId: string; finalClock: { entries: Record<string, number> } };

export class OrderCleanup {
  private readonly batchers = new Map<ServiceName, CallBatcher<ClearRequest, ClearOrderResult>>();

  constructor(
    private readonly clients: CheckoutClients,
    private readonly settings: CleanupSettings,
    private readonly logger: Logger,
  ) {}

  /** Cleans the order up on every service that saw it. */
  clear(orderId: string, finalClock: VectorClock, services: Iterable<ServiceName>): void {
    for (const service of services)
      this.enqueue(service, { orderId, clock: tick(finalClock, PROCESS), attempt: 1 });
  }

  private enqueue(service: ServiceName, p: Pending): void {
    this.batcherOf(service)
      .add({ orderId: p.orderId, finalClock: { entries: { ...p.clock } } })
      .then(
        (r) => this.settle(service, p, r),
        (error: unknown) => this.retry(service, p, error),
      );
  }

  /** ClearOrders for what was queued together (ClearOrder one by one for a service without it). */
  private batcherOf(service: ServiceName): CallBatcher<ClearRequest, ClearOrderResult> {
    let batcher = this.batchers.get(service);
    if (!batcher) {
      const settings = { deadlineMs: this.settings.deadlineMs, idempotent: true };
      batcher = new CallBatcher(
        {
          many: async (orders) => {
            const client = this.clientOf(service);
            const r = await callUnary(client, client.clearOrders, { orders }, settings);
            return r.results;
          },
          one: (request) => this.clearOne(service, request),
        },
        { windowMs: this.settings.windowMs ?? 5, maxPerCall: MAX_PER_CALL },
      );
      this.batchers.set(service, batcher);
    }
    return batcher;
  }

  private async clearOne(service: ServiceName, request: ClearRequest): Promise<ClearOrderResult> {
    const client = this.clientOf(service);
    const base = { orderId: request.orderId, cleared: false, serviceClock: undefined, code: 0, message: "" };
    try {
      await callUnary(client, client.clearOrder, request, {
        deadlineMs: this.settings.deadlineMs,
        idempotent: true,
      });
      return { ...base, cleared: true };
    } catch (error) {
      const clock = isServiceError(error) ? error.metadata.get("x-vector-clock")[0] : undefined;
      if (typeof clock === "string") return { ...base, serviceClock: { entries: deserialize(clock) } };
      throw error;
    }
  }

  private settle(service: ServiceName, p: Pending, r: ClearOrderResult): void {
    if (r.cleared) return;
    if (r.serviceClock) {
      // Merge what the service saw (a reply lost to cancellation) and try again.
      const clock = tick(merge(p.clock, fromEntries(r.serviceClock.entries)), PROCESS);
      this.retry(service, { ...p, clock }, new Error(r.message));
      return;
    }
    this.logger.warn({ orderId: p.orderId, service, code: r.code, err: r.message }, "ClearOrder refused");
  }

  private retry(service: ServiceName, p: Pending, error: unknown): void {
    if (p.attempt >= this.settings.attempts) {
      this.logger.warn(
        { orderId: p.orderId, service, err: error },
        "ClearOrder failed; the service's TTL will free the order",
      );
      return;
    }
    // Wait out the backoff, then join the next window: a window already open would carry it off early.
    const next = { ...p, attempt: p.attempt + 1 };
    setTimeout(() => this.enqueue(service, next), 20 * p.attempt).unref();
  }

  private clientOf(service: ServiceName) {
    if (service === "transaction-verification") return this.clients.verification;
    if (service === "fraud-detection") return this.clients.fraud;
    if (!this.clients.suggestions) throw new Error("suggestions service is not configured");
    return this.clients.suggestions;
  }
}
