import type { Decision, RiskAssessment, RiskSignal, Thresholds } from "./types.js";

/**
 * Noisy-OR: 1 − Π(1 − w). Read each weight as the chance that its signal alone means fraud,
 * signals taken as independent; the score is the chance that at least one does. Unlike a sum it
 * stays in [0,1] however many signals fire, it never goes down when a signal is added, and two
 * moderate signals add up to more than either without reaching certainty.
 *
 * Weights are clamped to [0,1] (NaN counts as 0), and the factors are multiplied in sorted
 * order so that the result does not depend on the order of the signals even in floating point.
 */
export function combine(signals: readonly RiskSignal[]): number {
  const factors = signals
    .map((s) => 1 - (Number.isNaN(s.weight) ? 0 : Math.min(1, Math.max(0, s.weight))))
    .sort((a, b) => a - b);
  let clean = 1;
  for (const f of factors) clean *= f;
  return 1 - clean;
}

/** REJECT at or above `rejectAt`, else REVIEW at or above `reviewAt`, else APPROVE. */
export function decide(score: number, thresholds: Thresholds): Decision {
  if (Number.isNaN(score)) return "REVIEW"; // never approve what could not be scored
  if (score >= thresholds.rejectAt) return "REJECT";
  if (score >= thresholds.reviewAt) return "REVIEW";
  return "APPROVE";
}

/** Score, decision and the signals behind them, strongest first. */
export function assess(signals: readonly RiskSignal[], thresholds: Thresholds): RiskAssessment {
  const score = combine(signals);
  return {
    score,
    decision: decide(score, thresholds),
    signals: [...signals].sort((a, b) => b.weight - a.weight),
  };
}
