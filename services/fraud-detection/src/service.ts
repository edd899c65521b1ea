import {
  clearOrder,
  clearOrders,
  eventResult,
  implement,
  initializeOrder,
  recordEvent,
  type ServiceRegistration,
  type UnaryHandlers,
} from "@bookstore/kit";
import {
  type FieldViolation,
  FraudDecision,
  FraudDetectionServiceService,
  type FraudEventResult,
  type InitializeFraudRequest,
} from "@bookstore/proto";
import { OrderStateStore, type VectorClock } from "@bookstore/vector-clock";
import {
  assess,
  cardSignals,
  type FraudConfig,
  type FraudOrder,
  type RiskAssessment,
  type RiskSignal,
  userSignals,
  type VelocityTracker,
} from "./scoring/index.js";

export const PROCESS = "fraud-detection";

/** Per-order state: the order as the fraud service may see it, and the signals of event d. */
export interface FraudOrderState {
  order: FraudOrder;
  userSignals?: RiskSignal[];
}

export interface FraudServiceOptions {
  store: OrderStateStore<FraudOrderState>;
  velocity: VelocityTracker;
  config: FraudConfig;
  now?: () => number;
}

export function createFraudStore(ttlMs: number): OrderStateStore<FraudOrderState> {
  return new OrderStateStore<FraudOrderState>(PROCESS, ttlMs);
}

const decisions = {
  APPROVE: FraudDecision.FRAUD_DECISION_APPROVE,
  REVIEW: FraudDecision.FRAUD_DECISION_REVIEW,
  REJECT: FraudDecision.FRAUD_DECISION_REJECT,
} as const;

function toOrder(req: InitializeFraudRequest): FraudOrder {
  const contact = req.user?.contact ?? "";
  const isEmail = contact.includes("@");
  return {
    orderId: req.orderId,
    ...(isEmail
      ? { email: contact.toLowerCase() }
      : contact
        ? { phone: contact.replace(/[^\d+]/g, "") }
        : {}),
    clientIp: req.clientIp,
    card: {
      fingerprint: req.card?.fingerprint ?? "",
      bin: req.card?.bin ?? "",
      last4: req.card?.last4 ?? "",
      brand: req.card?.brand ?? "",
    },
    lines: req.lines.map((l) => ({
      bookId: l.bookId,
      quantity: l.quantity,
      unitPriceCents: l.unitPriceCents,
    })),
    billingCountry: req.billingCountry,
  };
}

/** The reply of a fraud event: rejected (ok=false, with the reasons) only on a REJECT decision. */
function fraudReply(assessment: RiskAssessment, clock: VectorClock, rejectAt: number): FraudEventResult {
  const violations: FieldViolation[] =
    assessment.decision === "REJECT"
      ? [
          {
            field: "order",
            rule: "fraud_risk",
            message: `fraud risk ${assessment.score.toFixed(2)} is at or above ${rejectAt} (${assessment.signals
              .map((s) => s.code)
              .join(", ")})`,
          },
        ]
      : [];
  return {
    result: eventResult(violations, clock),
    assessment: {
      score: assessment.score,
      decision: decisions[assessment.decision],
      signals: assessment.signals.map((s) => ({ code: s.code, weight: s.weight, detail: s.detail })),
    },
  };
}

export type FraudHandlers = UnaryHandlers<typeof FraudDetectionServiceService>;

/** Events d (user fraud) and e (card fraud, and the order's decision) of the checkout graph. */
export function fraudHandlers(options: FraudServiceOptions): FraudHandlers {
  const { store, velocity, config } = options;
  const now = options.now ?? Date.now;
  const thresholds = config.thresholds;
  return {
    initializeOrder: (req) => {
      const order = toOrder(req);
      // Every attempt counts towards velocity, rejected ones included; observe is idempotent.
      velocity.observe(order, now());
      return initializeOrder(store, req.orderId, { order }, req.vectorClock);
    },
    checkUserFraud: (req) => {
      const { data, clock } = recordEvent(store, req);
      const signals = userSignals(data.order, velocity.counts(data.order, now()), config);
      data.userSignals = signals;
      return fraudReply(assess(signals, thresholds), clock, thresholds.rejectAt);
    },
    checkCardFraud: (req) => {
      const { data, clock } = recordEvent(store, req);
      const counts = velocity.counts(data.order, now());
      const user = data.userSignals ?? userSignals(data.order, counts, config);
      return fraudReply(
        assess([...user, ...cardSignals(data.order, counts, config)], thresholds),
        clock,
        thresholds.rejectAt,
      );
    },
    clearOrder: (req) => clearOrder(store, req),
    clearOrders: (req) => clearOrders(store, req),
  };
}

export function fraudDetectionService(
  options: FraudServiceOptions,
  handlers: FraudHandlers = fraudHandlers(options),
): ServiceRegistration {
  return {
    name: "bookstore.v1.FraudDetectionService",
    definition: FraudDetectionServiceService,
    implementation: implement(FraudDetectionServiceService, handlers),
  };
}
