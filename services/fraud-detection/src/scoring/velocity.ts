import { SlidingWindowCounter } from "./sliding-window.js";
import type { FraudOrder } from "./types.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Velocity is counted over a short window (bursts) and a long one (sustained abuse). */
export type VelocityWindow = "short" | "long";
export type VelocityDimension = "card" | "contact" | "ip";

export const DEFAULT_VELOCITY_WINDOWS: Readonly<Record<VelocityWindow, number>> = {
  short: 10 * MINUTE,
  long: 24 * HOUR,
};

export type WindowCounts = Record<VelocityWindow, number>;

/** Orders seen per dimension and window; they include the order itself once it has been observed. */
export interface VelocityCounts {
  windowsMs: Readonly<Record<VelocityWindow, number>>;
  card: WindowCounts;
  contact: WindowCounts;
  ip: WindowCounts;
}

export interface VelocityTrackerOptions {
  windowsMs?: Partial<Record<VelocityWindow, number>>;
  /** Per dimension. */
  maxKeys?: number;
  maxEventsPerKey?: number;
  /** Order ids remembered for idempotency. */
  maxOrders?: number;
}

/** The contact an order is counted by: the e-mail if any, else the phone. */
export function contactOf(order: FraudOrder): { kind: "email" | "phone"; value: string } | undefined {
  const email = order.email?.trim().toLowerCase();
  if (email) return { kind: "email", value: email };
  const phone = order.phone?.trim();
  return phone ? { kind: "phone", value: phone } : undefined;
}

/**
 * The key of each dimension, or undefined when the order lacks it: an empty fingerprint or IP
 * must not lump every such order under one key.
 */
export function velocityKeys(order: FraudOrder): Record<VelocityDimension, string | undefined> {
  const contact = contactOf(order);
  // An IPv4 client seen through an IPv6 socket is the same client.
  const ip = order.clientIp.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  return {
    card: order.card.fingerprint.trim() || undefined,
    contact: contact ? `${contact.kind}:${contact.value}` : undefined,
    ip: ip || undefined,
  };
}

const DIMENSIONS: readonly VelocityDimension[] = ["card", "contact", "ip"];

/** Counts orders per card fingerprint, contact (e-mail or phone) and client IP. */
export class VelocityTracker {
  readonly windowsMs: Readonly<Record<VelocityWindow, number>>;
  readonly maxOrders: number;
  readonly #counters: Record<VelocityDimension, SlidingWindowCounter>;
  /** orderId -> when observed; insertion order = age, for eviction. */
  readonly #seen = new Map<string, number>();

  constructor(options: VelocityTrackerOptions = {}) {
    this.windowsMs = { ...DEFAULT_VELOCITY_WINDOWS, ...options.windowsMs };
    this.maxOrders = options.maxOrders ?? 100_000;
    const retentionMs = Math.max(this.windowsMs.short, this.windowsMs.long);
    const counter = () =>
      new SlidingWindowCounter({
        retentionMs,
        ...(options.maxKeys !== undefined ? { maxKeys: options.maxKeys } : {}),
        ...(options.maxEventsPerKey !== undefined ? { maxEventsPerKey: options.maxEventsPerKey } : {}),
      });
    this.#counters = { card: counter(), contact: counter(), ip: counter() };
  }

  /**
   * Counts the order once. Idempotent per orderId, because initialisation is retried: a retry
   * must not make a customer look faster than they are. Returns whether it was counted now.
   */
  observe(order: FraudOrder, now: number): boolean {
    if (this.#seen.has(order.orderId)) return false;
    const keys = velocityKeys(order);
    for (const dimension of DIMENSIONS) {
      const key = keys[dimension];
      if (key !== undefined) this.#counters[dimension].record(key, now);
    }
    this.#seen.set(order.orderId, now);
    if (this.#seen.size > this.maxOrders) {
      const oldest = this.#seen.keys().next().value as string;
      this.#seen.delete(oldest);
    }
    return true;
  }

  counts(order: FraudOrder, now: number): VelocityCounts {
    const keys = velocityKeys(order);
    const of = (dimension: VelocityDimension): WindowCounts => {
      const key = keys[dimension];
      const counter = this.#counters[dimension];
      return key === undefined
        ? { short: 0, long: 0 }
        : {
            short: counter.count(key, this.windowsMs.short, now),
            long: counter.count(key, this.windowsMs.long, now),
          };
    };
    return { windowsMs: this.windowsMs, card: of("card"), contact: of("contact"), ip: of("ip") };
  }

  /**
   * Frees what no window can see. Order ids are forgotten after the longest window too: by then
   * their events have left every window, so a late duplicate cannot be counted twice in one.
   */
  prune(now: number): void {
    for (const dimension of DIMENSIONS) this.#counters[dimension].prune(now);
    const horizon = now - Math.max(this.windowsMs.short, this.windowsMs.long);
    for (const [orderId, at] of this.#seen) {
      if (at <= horizon) this.#seen.delete(orderId);
    }
  }

  /** Keys held per dimension and order ids remembered. */
  get size(): Record<VelocityDimension | "orders", number> {
    return {
      card: this.#counters.card.size,
      contact: this.#counters.contact.size,
      ip: this.#counters.ip.size,
      orders: this.#seen.size,
    };
  }
}
