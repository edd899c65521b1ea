import type { Thresholds } from "./types.js";
import type { VelocityDimension, VelocityWindow } from "./velocity.js";

/** A graded limit: the signal fires with `weight` when the value is strictly above `above`. */
export interface Tier {
  above: number;
  weight: number;
}

/** Tiers of one velocity dimension over one of the tracker's windows. */
export interface VelocityLimit {
  window: VelocityWindow;
  tiers: readonly Tier[];
}

export interface FraudConfig {
  thresholds: Thresholds;
  velocity: Readonly<Record<VelocityDimension, readonly VelocityLimit[]>>;
  /** Order total, in cents. */
  amountCents: readonly Tier[];
  /** Books in the order, all lines together. */
  totalQuantity: readonly Tier[];
  /** Copies of one book: buying for resale, or testing a card with a cheap line. */
  lineQuantity: readonly Tier[];
  /** ISO alpha-2 codes of billing countries that carry extra risk. */
  highRiskCountries: readonly string[];
  weights: Readonly<{ highRiskCountry: number; unknownCountry: number; binCountryMismatch: number }>;
}

/**
 * Tuned so that a normal order (a few books, a customer ordering a few times a day, a known
 * billing country matching the card) carries no signal at all, one moderate signal stays
 * below review, and a card burst (more than 7 orders in 10 min) is rejected on its own.
 */
export const defaultFraudConfig: FraudConfig = {
  thresholds: { reviewAt: 0.5, rejectAt: 0.8 },
  velocity: {
    // One card many times in minutes is the signature of card testing: the strongest signal.
    card: [
      {
        window: "short",
        tiers: [
          { above: 3, weight: 0.3 },
          { above: 5, weight: 0.7 },
          { above: 7, weight: 0.9 },
        ],
      },
      {
        window: "long",
        tiers: [
          { above: 10, weight: 0.4 },
          { above: 20, weight: 0.7 },
        ],
      },
    ],
    contact: [
      {
        window: "short",
        tiers: [
          { above: 4, weight: 0.3 },
          { above: 8, weight: 0.6 },
        ],
      },
      {
        window: "long",
        tiers: [
          { above: 15, weight: 0.3 },
          { above: 40, weight: 0.5 },
        ],
      },
    ],
    // Weakest: an IP is shared by households, offices and mobile carriers' NAT.
    ip: [
      {
        window: "short",
        tiers: [
          { above: 10, weight: 0.2 },
          { above: 30, weight: 0.5 },
        ],
      },
      {
        window: "long",
        tiers: [
          { above: 50, weight: 0.2 },
          { above: 200, weight: 0.4 },
        ],
      },
    ],
  },
  amountCents: [
    { above: 50_000, weight: 0.3 }, // $500
    { above: 200_000, weight: 0.6 }, // $2000
  ],
  totalQuantity: [
    { above: 20, weight: 0.25 },
    { above: 50, weight: 0.5 },
  ],
  lineQuantity: [
    { above: 10, weight: 0.2 },
    { above: 30, weight: 0.4 },
  ],
  highRiskCountries: [],
  weights: { highRiskCountry: 0.35, unknownCountry: 0.15, binCountryMismatch: 0.35 },
};

/** What is wrong with a config (empty when usable): every weight in (0,1], thresholds ordered in [0,1]. */
export function fraudConfigProblems(config: FraudConfig): string[] {
  const problems: string[] = [];
  const weight = (path: string, w: number) => {
    if (!(w > 0 && w <= 1)) problems.push(`${path}: weight ${w} is not in (0,1]`);
  };
  const tiers = (path: string, list: readonly Tier[]) => {
    for (const [i, t] of list.entries()) {
      weight(`${path}[${i}]`, t.weight);
      if (!Number.isFinite(t.above)) problems.push(`${path}[${i}]: limit ${t.above} is not a number`);
    }
  };
  const { reviewAt, rejectAt } = config.thresholds;
  if (!(reviewAt >= 0 && rejectAt <= 1 && reviewAt <= rejectAt)) {
    problems.push(`thresholds: need 0 <= reviewAt (${reviewAt}) <= rejectAt (${rejectAt}) <= 1`);
  }
  for (const [dimension, limits] of Object.entries(config.velocity)) {
    for (const [i, l] of limits.entries()) tiers(`velocity.${dimension}[${i}].tiers`, l.tiers);
  }
  tiers("amountCents", config.amountCents);
  tiers("totalQuantity", config.totalQuantity);
  tiers("lineQuantity", config.lineQuantity);
  for (const [name, w] of Object.entries(config.weights)) weight(`weights.${name}`, w);
  for (const c of config.highRiskCountries) {
    if (!/^[A-Za-z]{2}$/.test(c)) problems.push(`highRiskCountries: "${c}" is not an ISO alpha-2 code`);
  }
  return problems;
}
