import { lessOrEqual, merge, receive, type VectorClock } from "./index.js";

interface Entry<T> {
  data: T;
  clock: VectorClock;
  expiresAt: number;
}

export type ClearResult = { cleared: true } | { cleared: false; reason: "stale_clock"; clock: VectorClock };

/**
 * Per-order state of a checkout service with the service's vector clock for that order.
 * Every call for an order merges the caller's clock and ticks this process; the order's data
 * is deleted only by a final clock that has seen everything this process did for the order
 * (local clock ≤ final clock), or when its time to live runs out, so nothing leaks.
 */
export class OrderStateStore<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    readonly process: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Stores (or replaces, for a retried initialisation) the order's data; returns the reply clock. */
  init(orderId: string, data: T, incoming: VectorClock): VectorClock {
    const previous = this.entries.get(orderId)?.clock ?? {};
    const clock = receive(previous, incoming, this.process);
    this.entries.set(orderId, { data, clock, expiresAt: this.now() + this.ttlMs });
    return clock;
  }

  /** Records an event for the order; undefined when the order was never initialised (or expired). */
  event(orderId: string, incoming: VectorClock): { data: T; clock: VectorClock } | undefined {
    const entry = this.entries.get(orderId);
    if (!entry) return undefined;
    entry.clock = receive(entry.clock, incoming, this.process);
    return { data: entry.data, clock: entry.clock };
  }

  /** The clock this process holds for the order, if any. */
  clockOf(orderId: string): VectorClock | undefined {
    return this.entries.get(orderId)?.clock;
  }

  /**
   * Deletes the order's data if the final clock covers every event recorded here. An unknown
   * order counts as cleared: cleanup is idempotent.
   */
  clear(orderId: string, finalClock: VectorClock): ClearResult {
    const entry = this.entries.get(orderId);
    if (!entry) return { cleared: true };
    if (!lessOrEqual(entry.clock, finalClock)) {
      return { cleared: false, reason: "stale_clock", clock: merge(entry.clock, {}) };
    }
    this.entries.delete(orderId);
    return { cleared: true };
  }

  /** Drops orders whose time to live has passed; returns how many. */
  sweep(): number {
    const now = this.now();
    let removed = 0;
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(id);
        removed++;
      }
    }
    return removed;
  }
}
