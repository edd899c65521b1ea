// Which queued order runs next: a pure function of the order and of how long it has waited.
//
//   effective(now) = shipping weight + value bonus + AGING_PER_SECOND × seconds waited
//
// Faster shipping first (Overnight 300 > Express 200 > Standard 100), then larger orders (up to
// +50), and every waiting second adds 10, so an order is overtaken by newer ones for at most
// (300 + 50 − 100) / 10 = 25 s: nothing starves. Because the aging term grows at the same rate for
// every order, effective(now) = key + AGING_PER_SECOND × now with a key fixed at submission, so the
// queue is ordered once by key (then by arrival: FIFO among equals) and never needs re-sorting.

export type ShippingMethod = "Standard" | "Express" | "Overnight";

export const SHIPPING_WEIGHT: Readonly<Record<ShippingMethod, number>> = {
  Overnight: 300,
  Express: 200,
  Standard: 100,
};
export const MAX_VALUE_BONUS = 50;
export const AGING_PER_SECOND = 10;

/** +10 per doubling of the order value above €10, at most +50 (€10 → 10, €70 → 30, €310 → 50). */
export function valueBonus(totalCents: number): number {
  return Math.min(MAX_VALUE_BONUS, Math.round(10 * Math.log2(1 + Math.max(0, totalCents) / 1000)));
}

/** Priority at submission, before any waiting. */
export function basePriority(order: { shippingMethod: ShippingMethod; totalCents: number }): number {
  return SHIPPING_WEIGHT[order.shippingMethod] + valueBonus(order.totalCents);
}

/** The fixed queue key: higher runs first at any time. */
export function queueKey(base: number, submittedAtMs: number): number {
  return base - (AGING_PER_SECOND * submittedAtMs) / 1000;
}

/** Priority of a waiting order at `nowMs` (what the dashboard shows). */
export function effectivePriority(base: number, submittedAtMs: number, nowMs: number): number {
  return base + (AGING_PER_SECOND * Math.max(0, nowMs - submittedAtMs)) / 1000;
}

/** Queue order: higher key first, then earlier arrival (sequence number). */
export function runsBefore(a: { key: number; seq: number }, b: { key: number; seq: number }): boolean {
  return a.key !== b.key ? a.key > b.key : a.seq < b.seq;
}
