// The checkout as data (ARCHITECTURE step 2): where each order is initialised, then the validation
// events a–f with the service each runs on and the events it waits for. checkout-flow.ts runs this
// table; nothing else needs to change to add, move or reorder an event.

import type { UnaryMethod } from "@bookstore/kit";
import { type CallSettings, callUnary } from "@bookstore/kit";
import type {
  BookSummary,
  EventResult,
  FraudDetectionServiceClient,
  FraudEventResult,
  OrderEvent,
  RiskAssessment,
  SuggestionsServiceClient,
  TransactionVerificationServiceClient,
} from "@bookstore/proto";
import type { CheckoutOrder } from "./checkout-order.js";
import type { Clocked, ServiceName } from "./order-clock.js";

export interface CheckoutClients {
  verification: TransactionVerificationServiceClient;
  fraud: FraudDetectionServiceClient;
  /** Absent until the suggestions service is deployed; the checkout works without it. */
  suggestions?: SuggestionsServiceClient;
}

/** A service's answer to an event: accepted or not (with violations), its clock, and extras. */
export interface Reply extends Clocked {
  result: EventResult;
  risk?: RiskAssessment;
  books?: BookSummary[];
}

type WireClock = { entries: Record<string, number> };

export interface InitStep {
  service: ServiceName;
  /** The checkout cannot go on without it (suggestions can). */
  required: boolean;
  send(
    clients: CheckoutClients,
    order: CheckoutOrder,
    clock: WireClock,
    settings: CallSettings,
  ): Promise<Reply>;
}

export interface EventStep {
  name: string;
  /** Name in the trace: the event and what it checks. */
  label: string;
  dependsOn: string[];
  service: ServiceName;
  /** A failure is reported but cancels nothing (suggestions). */
  optional?: boolean;
  send(clients: CheckoutClients, event: OrderEvent, settings: CallSettings): Promise<Reply>;
}

const reply = (result: EventResult): Reply => ({
  result,
  ok: result.ok,
  ...(result.vectorClock ? { clock: result.vectorClock } : {}),
});

function okResult(): EventResult {
  return { ok: true, violations: [], vectorClock: { entries: {} } };
}

function fraudReply(r: FraudEventResult): Reply {
  return { ...reply(r.result ?? okResult()), ...(r.assessment ? { risk: r.assessment } : {}) };
}

/** The suggestions client, which the table only names when the service is deployed. */
function sg(clients: CheckoutClients): SuggestionsServiceClient {
  if (!clients.suggestions) throw new Error("suggestions service is not configured");
  return clients.suggestions;
}

const tv =
  (m: (c: TransactionVerificationServiceClient) => UnaryMethod<OrderEvent, EventResult>) =>
  (clients: CheckoutClients, event: OrderEvent, settings: CallSettings) =>
    callUnary(clients.verification, m(clients.verification), event, settings).then(reply);

const fd =
  (m: (c: FraudDetectionServiceClient) => UnaryMethod<OrderEvent, FraudEventResult>) =>
  (clients: CheckoutClients, event: OrderEvent, settings: CallSettings) =>
    callUnary(clients.fraud, m(clients.fraud), event, settings).then(fraudReply);

export const INIT_STEPS: readonly InitStep[] = [
  {
    service: "transaction-verification",
    required: true,
    send: (c, order, vectorClock, settings) =>
      callUnary(
        c.verification,
        c.verification.initializeOrder,
        { ...order.verification, vectorClock },
        settings,
      ).then(reply),
  },
  {
    service: "fraud-detection",
    required: true,
    send: (c, order, vectorClock, settings) =>
      callUnary(c.fraud, c.fraud.initializeOrder, { ...order.fraud, vectorClock }, settings).then(reply),
  },
  {
    service: "suggestions",
    required: false,
    send: (c, order, vectorClock, settings) =>
      callUnary(
        sg(c),
        sg(c).initializeOrder,
        { orderId: order.orderId, lines: order.lines, customerId: order.customerId, vectorClock },
        settings,
      ).then(reply),
  },
];

export const EVENT_STEPS: readonly EventStep[] = [
  {
    name: "a",
    label: "a:items",
    dependsOn: [],
    service: "transaction-verification",
    send: tv((c) => c.checkItems),
  },
  {
    name: "b",
    label: "b:user",
    dependsOn: [],
    service: "transaction-verification",
    send: tv((c) => c.checkUser),
  },
  {
    name: "c",
    label: "c:card",
    dependsOn: ["a"],
    service: "transaction-verification",
    send: tv((c) => c.checkCard),
  },
  {
    name: "d",
    label: "d:user-fraud",
    dependsOn: ["b"],
    service: "fraud-detection",
    send: fd((c) => c.checkUserFraud),
  },
  {
    name: "e",
    label: "e:card-fraud",
    dependsOn: ["c", "d"],
    service: "fraud-detection",
    send: fd((c) => c.checkCardFraud),
  },
  {
    name: "f",
    label: "f:suggestions",
    dependsOn: ["e"],
    service: "suggestions",
    optional: true,
    send: (c, event, settings) =>
      callUnary(sg(c), sg(c).getSuggestions, event, settings).then((r) => ({
        ...reply(r.result ?? okResult()),
        books: r.books,
      })),
  },
];

/** The last required event: once it succeeded, the order is approved. */
export const APPROVAL_EVENT = "e";
