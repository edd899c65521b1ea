export { binCountry, SAMPLE_BIN_COUNTRIES } from "./bin-country.js";
export {
  defaultFraudConfig,
  type FraudConfig,
  fraudConfigProblems,
  type Tier,
  type VelocityLimit,
} from "./config.js";
export { assess, combine, decide } from "./score.js";
export { cardSignals, formatDuration, orderTotals, tierFor, userSignals } from "./signals.js";
export {
  DEFAULT_MAX_EVENTS_PER_KEY,
  DEFAULT_MAX_KEYS,
  SlidingWindowCounter,
  type SlidingWindowOptions,
} from "./sliding-window.js";
export type { Decision, FraudOrder, RiskAssessment, RiskSignal, Thresholds } from "./types.js";
export {
  contactOf,
  DEFAULT_VELOCITY_WINDOWS,
  type VelocityCounts,
  type VelocityDimension,
  VelocityTracker,
  type VelocityTrackerOptions,
  type VelocityWindow,
  velocityKeys,
  type WindowCounts,
} from "./velocity.js";
