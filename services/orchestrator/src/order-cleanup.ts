// Step 4 of the checkout: ClearOrder(orderId, finalClock) to every service that saw the order, after
// the answer. A service that has seen more than the final clock refuses and returns its clock; that
// is merged (the orchestrator has decided, so those events are part of the order's history) and the
// cleanup is retried, up to `attempts`. Cleanups queued for one service within a few milliseconds
// travel together in one ClearOrders call (each answered as its own ClearOrder would be); a service
// that does not know ClearOrders gets one ClearOrder per order. Whatever is never cleared expires
// with the service's TTL.
import { callUnary, GrpcStatus, isServiceError, type Logger } from "@bookstore/kit";
import type { ClearOrderResult, ClearOrdersResponse } from "@bookstore/proto";
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

export class OrderCleanup {
  private readonly queues = new Map<ServiceName, Pending[]>();
  private readonly timers = new Map<ServiceName, NodeJS.Timeout>();
  /** Services that answered UNIMPLEMENTED: one ClearOrder per order from then on. */
  private readonly single = new Set<ServiceName>();

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
    const queue = this.queues.get(service) ?? [];
    queue.push(p);
    this.queues.set(service, queue);
    if (this.timers.has(service)) return;
    const timer = setTimeout(() => {
      this.timers.delete(service);
      void this.flush(service);
    }, this.settings.windowMs ?? 5);
    timer.unref();
    this.timers.set(service, timer);
  }

  private async flush(service: ServiceName): Promise<void> {
    const queue = this.queues.get(service) ?? [];
    this.queues.delete(service);
    for (let i = 0; i < queue.length; i += MAX_PER_CALL) {
      const batch = queue.slice(i, i + MAX_PER_CALL);
      try {
        const results = await this.send(service, batch);
        for (const [j, r] of results.entries()) this.settle(service, batch[j] as Pending, r);
      } catch (error) {
        for (const p of batch) this.retry(service, p, error);
      }
    }
  }

  /** One call for the batch (or one per order for a service without ClearOrders). */
  private async send(service: ServiceName, batch: Pending[]): Promise<ClearOrderResult[]> {
    const client = this.clientOf(service);
    const settings = { deadlineMs: this.settings.deadlineMs, idempotent: true };
    const requests = batch.map((p) => ({ orderId: p.orderId, finalClock: { entries: { ...p.clock } } }));
    if (!this.single.has(service)) {
      try {
        const r: ClearOrdersResponse = await callUnary(
          client,
          client.clearOrders,
          { orders: requests },
          settings,
        );
        return r.results;
      } catch (error) {
        if (!isServiceError(error) || error.code !== GrpcStatus.UNIMPLEMENTED) throw error;
        this.single.add(service);
      }
    }
    return Promise.all(requests.map((r) => this.clearOne(service, r)));
  }

  private async clearOne(
    service: ServiceName,
    request: { orderId: string; finalClock: { entries: Record<string, number> } },
  ) {
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
