import { quote } from "@bookstore/kit";
import { binCountry } from "./bin-country.js";
import type { FraudConfig, Tier, VelocityLimit } from "./config.js";
import type { FraudOrder, RiskSignal } from "./types.js";
import { contactOf, type VelocityCounts, type VelocityDimension, type WindowCounts } from "./velocity.js";

// Only facts about behaviour (counts, amounts, countries) are signals. Nothing is read into the
// text of an e-mail address or name: "test" or "fraud" in an address says nothing about a buyer.

/** The strongest tier the value is strictly above, if any. */
export function tierFor(value: number, tiers: readonly Tier[]): Tier | undefined {
  let best: Tier | undefined;
  for (const tier of tiers) {
    if (value > tier.above && (best === undefined || tier.weight > best.weight)) best = tier;
  }
  return best;
}

/** Order total and quantities; lines with a non-finite or negative field count as zero. */
export function orderTotals(order: FraudOrder): {
  amountCents: number;
  totalQuantity: number;
  maxLineQuantity: number;
} {
  let amountCents = 0;
  let totalQuantity = 0;
  let maxLineQuantity = 0;
  for (const line of order.lines) {
    const quantity = Number.isFinite(line.quantity) ? Math.max(0, line.quantity) : 0;
    const price = Number.isFinite(line.unitPriceCents) ? Math.max(0, line.unitPriceCents) : 0;
    amountCents += quantity * price;
    totalQuantity += quantity;
    maxLineQuantity = Math.max(maxLineQuantity, quantity);
  }
  return { amountCents, totalQuantity, maxLineQuantity };
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

/** The normalised billing country, or undefined when it is missing or not an alpha-2 code. */
function billingCountryOf(order: FraudOrder): string | undefined {
  const country = order.billingCountry.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(country) ? country : undefined;
}

/** One signal per dimension: the strongest tier over all its windows, so one burst is not counted twice. */
function velocitySignal(
  code: string,
  subject: string,
  counts: WindowCounts,
  windowsMs: VelocityCounts["windowsMs"],
  limits: readonly VelocityLimit[],
): RiskSignal | undefined {
  let best: { tier: Tier; limit: VelocityLimit } | undefined;
  for (const limit of limits) {
    const tier = tierFor(counts[limit.window], limit.tiers);
    if (tier && (best === undefined || tier.weight > best.tier.weight)) best = { tier, limit };
  }
  if (!best) return undefined;
  const n = counts[best.limit.window];
  return {
    code,
    weight: best.tier.weight,
    detail: `${subject} used for ${n} orders in ${formatDuration(windowsMs[best.limit.window])} (more than ${best.tier.above})`,
  };
}

function velocity(
  dimension: VelocityDimension,
  code: string,
  subject: string,
  counts: VelocityCounts,
  config: FraudConfig,
): RiskSignal[] {
  const signal = velocitySignal(
    code,
    subject,
    counts[dimension],
    counts.windowsMs,
    config.velocity[dimension],
  );
  return signal ? [signal] : [];
}

/** Event d: signals about the customer: contact and IP velocity, amount, quantities, billing country. */
export function userSignals(order: FraudOrder, counts: VelocityCounts, config: FraudConfig): RiskSignal[] {
  const signals: RiskSignal[] = [];
  const contact = contactOf(order);
  if (contact) {
    const code = contact.kind === "email" ? "VELOCITY_EMAIL" : "VELOCITY_PHONE";
    signals.push(...velocity("contact", code, contact.kind === "email" ? "e-mail" : "phone", counts, config));
  }
  signals.push(...velocity("ip", "VELOCITY_IP", "client IP", counts, config));

  const { amountCents, totalQuantity, maxLineQuantity } = orderTotals(order);
  const amount = tierFor(amountCents, config.amountCents);
  if (amount) {
    signals.push({
      code: "AMOUNT_HIGH",
      weight: amount.weight,
      detail: `order total ${dollars(amountCents)} is above ${dollars(amount.above)}`,
    });
  }
  // Total and per-line quantity say much the same thing: one signal, the stronger of the two,
  // since the noisy-OR assumes its signals independent.
  const total = tierFor(totalQuantity, config.totalQuantity);
  const line = tierFor(maxLineQuantity, config.lineQuantity);
  if (total || line) {
    const byLine = line !== undefined && (total === undefined || line.weight > total.weight);
    const tier = (byLine ? line : total) as Tier;
    signals.push({
      code: "QUANTITY_HIGH",
      weight: tier.weight,
      detail: byLine
        ? `${maxLineQuantity} copies of one book (more than ${tier.above})`
        : `${totalQuantity} books in the order (more than ${tier.above})`,
    });
  }

  const country = billingCountryOf(order);
  if (country === undefined) {
    signals.push({
      code: "BILLING_COUNTRY_UNKNOWN",
      weight: config.weights.unknownCountry,
      detail: order.billingCountry.trim()
        ? `billing country ${quote(order.billingCountry)} is not recognised`
        : "no billing country",
    });
  } else if (config.highRiskCountries.some((c) => c.toUpperCase() === country)) {
    signals.push({
      code: "BILLING_COUNTRY_HIGH_RISK",
      weight: config.weights.highRiskCountry,
      detail: `billing country ${country} is on the high-risk list`,
    });
  }
  return signals;
}

/** Event e: signals about the card: fingerprint velocity, and an issuing country other than the billing one. */
export function cardSignals(order: FraudOrder, counts: VelocityCounts, config: FraudConfig): RiskSignal[] {
  const signals = velocity(
    "card",
    "VELOCITY_CARD",
    `card ending ${order.card.last4 || "????"}`,
    counts,
    config,
  );
  const issuer = binCountry(order.card.bin);
  const billing = billingCountryOf(order);
  // Only where both are known: an unknown BIN or billing country is no evidence of a mismatch.
  if (issuer !== undefined && billing !== undefined && issuer !== billing) {
    signals.push({
      code: "BIN_COUNTRY_MISMATCH",
      weight: config.weights.binCountryMismatch,
      detail: `card issued in ${issuer}, billing country ${billing}`,
    });
  }
  return signals;
}
