import {
  CLOCK_METADATA_KEY,
  callUnary,
  clockToWire,
  GrpcStatus,
  isServiceError,
  type Logger,
  type UnaryMethod,
} from "@bookstore/kit";
import type {
  BookSummary,
  EventResult,
  FieldViolation,
  FraudDetectionServiceClient,
  FraudEventResult,
  OrderEvent,
  OrderLine,
  RiskAssessment,
  SuggestionsServiceClient,
  TransactionVerificationServiceClient,
} from "@bookstore/proto";
import { FraudDecision } from "@bookstore/proto";
import { deserialize, fromEntries, merge, tick, type VectorClock } from "@bookstore/vector-clock";
import type { Client, ServiceError } from "@grpc/grpc-js";
import type { CheckoutOrder } from "./checkout-order.js";
import { type EventOutcome, type GraphEvent, runEventGraph } from "./event-graph.js";

export const PROCESS = "orchestrator";

export interface CheckoutClients {
  verification: TransactionVerificationServiceClient;
  fraud: FraudDetectionServiceClient;
  /** Absent until the suggestions service is deployed; the checkout works without it. */
  suggestions?: SuggestionsServiceClient;
}

export interface CheckoutSettings {
  /** Deadline of each call to a validation service. */
  callDeadlineMs: number;
  /** How many times a refused or failed ClearOrder is retried. */
  cleanupAttempts: number;
}

export type ServiceName = "transaction-verification" | "fraud-detection" | "suggestions";

/** One step of the checkout as the orchestrator saw it, with the clocks sent and received. */
export interface EventTrace {
  event: string;
  service: ServiceName;
  status: EventOutcome<unknown>["status"];
  sent?: VectorClock;
  received?: VectorClock;
  ms?: number;
}

export type CheckoutOutcome =
  | {
      kind: "approved";
      suggestions: BookSummary[];
      suggestionsAvailable: boolean;
      risk?: RiskAssessment;
      trace: EventTrace[];
      finalClock: VectorClock;
    }
  | {
      kind: "rejected";
      violations: FieldViolation[];
      risk?: RiskAssessment;
      trace: EventTrace[];
      finalClock: VectorClock;
    }
  | {
      kind: "unavailable";
      service: ServiceName;
      message: string;
      trace: EventTrace[];
      finalClock: VectorClock;
    };

interface Reply {
  result: EventResult;
  risk?: RiskAssessment;
  books?: BookSummary[];
}

/** Rejections and unavailability are values; only a programming error throws. */
class Unavailable extends Error {
  constructor(
    readonly service: ServiceName,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Validates one order through the checkout services (ARCHITECTURE.md step 2): initialise the
 * order everywhere in parallel, then run events a–f as a dependency graph, each call carrying
 * the orchestrator's vector clock and merging the clock of its reply. Cleanup (step 4) runs
 * afterwards without holding up the answer.
 */
export class CheckoutFlow {
  constructor(
    private readonly clients: CheckoutClients,
    private readonly settings: CheckoutSettings,
    private readonly logger: Logger,
  ) {}

  async run(order: CheckoutOrder): Promise<CheckoutOutcome> {
    let clock: VectorClock = {};
    const trace: EventTrace[] = [];
    const controller = new AbortController();
    const { verification, fraud, suggestions } = this.clients;
    const deadlineMs = this.settings.callDeadlineMs;
    const participants = new Set<ServiceName>();

    /** A call to a checkout service: tick on send, merge on receive, trace both. */
    const call = async (
      event: string,
      service: ServiceName,
      signal: AbortSignal,
      send: (wireClock: { entries: Record<string, number> }) => Promise<Reply>,
    ): Promise<Reply> => {
      clock = tick(clock, PROCESS);
      const sent = clock;
      const entry: EventTrace = { event, service, status: "ok", sent };
      trace.push(entry);
      participants.add(service);
      const t0 = performance.now();
      try {
        const reply = await send(clockToWire(sent));
        const received = fromEntries(reply.result.vectorClock?.entries ?? {});
        clock = merge(clock, received);
        Object.assign(entry, {
          received,
          ms: performance.now() - t0,
          status: reply.result.ok ? "ok" : "rejected",
        });
        return reply;
      } catch (error) {
        entry.ms = performance.now() - t0;
        entry.status = signal.aborted ? "cancelled" : "error";
        throw signal.aborted ? error : toUnavailable(service, error);
      }
    };
    const settings = (signal: AbortSignal) => ({ deadlineMs, signal });
    const asReply = (result: EventResult): Reply => ({ result });
    const fraudReply = (r: FraudEventResult): Reply =>
      r.assessment
        ? { result: r.result ?? okResult(), risk: r.assessment }
        : { result: r.result ?? okResult() };

    // Initialisation: verification and fraud are required, suggestions is best effort.
    const signal = controller.signal;
    const inits = await Promise.allSettled([
      call("init", "transaction-verification", signal, (vc) =>
        callUnary(
          verification,
          verification.initializeOrder,
          { ...order.verification, vectorClock: vc },
          { ...settings(signal), idempotent: true },
        ).then(asReply),
      ),
      call("init", "fraud-detection", signal, (vc) =>
        callUnary(
          fraud,
          fraud.initializeOrder,
          { ...order.fraud, vectorClock: vc },
          { ...settings(signal), idempotent: true },
        ).then(asReply),
      ),
      suggestions
        ? call("init", "suggestions", signal, (vc) =>
            callUnary(
              suggestions,
              suggestions.initializeOrder,
              { orderId: order.orderId, lines: order.lines, customerId: order.customerId, vectorClock: vc },
              { ...settings(signal), idempotent: true },
            ).then(asReply),
          )
        : Promise.reject(new Unavailable("suggestions", "suggestions service is not configured")),
    ]);
    const [tvInit, fdInit, sgInit] = inits;
    for (const init of [tvInit, fdInit]) {
      if (init.status === "rejected") {
        const reason = init.reason as Unavailable;
        this.cleanup(order.orderId, clock, participants);
        return {
          kind: "unavailable",
          service: reason.service,
          message: reason.message,
          trace,
          finalClock: clock,
        };
      }
    }
    const suggestionsReady = sgInit.status === "fulfilled";

    const ev = order.orderId;
    /** One event of the graph: a call on an order already initialised on `service`. */
    const event = <Res>(
      name: string,
      label: string,
      dependsOn: string[],
      service: ServiceName,
      client: Client,
      method: UnaryMethod<OrderEvent, Res>,
      toReply: (response: Res) => Reply,
    ): GraphEvent<Reply> => ({
      name,
      dependsOn,
      run: (s) =>
        call(label, service, s, (vc) =>
          callUnary(client, method, { orderId: ev, vectorClock: vc }, settings(s)).then(toReply),
        ).then(value),
    });
    const tv = "transaction-verification";
    const fd = "fraud-detection";
    const events: GraphEvent<Reply>[] = [
      event("a", "a:items", [], tv, verification, verification.checkItems, asReply),
      event("b", "b:user", [], tv, verification, verification.checkUser, asReply),
      event("c", "c:card", ["a"], tv, verification, verification.checkCard, asReply),
      event("d", "d:user-fraud", ["b"], fd, fraud, fraud.checkUserFraud, fraudReply),
      event("e", "e:card-fraud", ["c", "d"], fd, fraud, fraud.checkCardFraud, fraudReply),
    ];
    if (suggestions && suggestionsReady) {
      const f = event(
        "f",
        "f:suggestions",
        ["e"],
        "suggestions",
        suggestions,
        suggestions.getSuggestions,
        (r) => ({
          result: r.result ?? okResult(),
          books: r.books,
        }),
      );
      events.push({ ...f, optional: true });
    }

    const graph = await runEventGraph(events);
    this.cleanup(order.orderId, clock, participants);
    const outcomes = [...graph.outcomes.values()];
    const risk = latestRisk(graph.outcomes);
    const failed = outcomes.find((o) => o.status === "error");
    if (failed && failed.status === "error" && graph.firstFailure !== undefined) {
      const reason =
        failed.error instanceof Unavailable
          ? failed.error
          : toUnavailable("transaction-verification", failed.error);
      return {
        kind: "unavailable",
        service: reason.service,
        message: reason.message,
        trace,
        finalClock: clock,
      };
    }
    const violations = outcomes.flatMap((o) => (o.status === "rejected" ? o.value.result.violations : []));
    if (graph.firstFailure !== undefined) {
      return { kind: "rejected", violations, ...(risk ? { risk } : {}), trace, finalClock: clock };
    }
    const f = graph.outcomes.get("f");
    const books = f?.status === "ok" ? (f.value.books ?? []) : [];
    return {
      kind: "approved",
      suggestions: books,
      suggestionsAvailable: f?.status === "ok",
      ...(risk ? { risk } : {}),
      trace,
      finalClock: clock,
    };
  }

  /**
   * Step 4: ClearOrder(orderId, finalClock) to every service that saw the order. A service that
   * has seen more than the final clock refuses; its clock comes back with the refusal, is merged
   * (the orchestrator has decided, so those events are now part of the order's history), and the
   * call is retried. If cleanup still fails the services' TTL frees the state.
   */
  private cleanup(orderId: string, finalClock: VectorClock, participants: Set<ServiceName>): void {
    for (const service of participants) {
      void this.clearOn(service, orderId, finalClock).catch((error: unknown) =>
        this.logger.warn(
          { orderId, service, err: error },
          "ClearOrder failed; the service's TTL will free the order",
        ),
      );
    }
  }

  private async clearOn(service: ServiceName, orderId: string, finalClock: VectorClock): Promise<void> {
    const client =
      service === "transaction-verification"
        ? this.clients.verification
        : service === "fraud-detection"
          ? this.clients.fraud
          : this.clients.suggestions;
    if (!client) return;
    let clock = tick(finalClock, PROCESS);
    for (let attempt = 1; ; attempt++) {
      try {
        await callUnary(
          client,
          client.clearOrder,
          { orderId, finalClock: clockToWire(clock) },
          { deadlineMs: this.settings.callDeadlineMs, idempotent: true },
        );
        return;
      } catch (error) {
        if (
          !isServiceError(error) ||
          error.code !== GrpcStatus.FAILED_PRECONDITION ||
          attempt >= this.settings.cleanupAttempts
        ) {
          throw error;
        }
        const theirs = error.metadata.get(CLOCK_METADATA_KEY)[0];
        clock = tick(merge(clock, typeof theirs === "string" ? deserialize(theirs) : {}), PROCESS);
        await new Promise((r) => setTimeout(r, 20 * attempt));
      }
    }
  }
}

function value(reply: Reply) {
  return { ok: reply.result.ok, value: reply };
}

function okResult(): EventResult {
  return { ok: true, violations: [], vectorClock: { entries: {} } };
}

function latestRisk(outcomes: Map<string, EventOutcome<Reply>>): RiskAssessment | undefined {
  for (const name of ["e", "d"]) {
    const o = outcomes.get(name);
    if ((o?.status === "ok" || o?.status === "rejected") && o.value.risk) return o.value.risk;
  }
  return undefined;
}

function toUnavailable(service: ServiceName, error: unknown): Unavailable {
  if (error instanceof Unavailable) return error;
  const e = error as ServiceError;
  const why =
    e?.code === GrpcStatus.DEADLINE_EXCEEDED
      ? "did not answer in time"
      : e?.code === GrpcStatus.UNAVAILABLE
        ? "is unreachable"
        : `failed (${GrpcStatus[e?.code] ?? "UNKNOWN"}: ${e?.details ?? String(error)})`;
  return new Unavailable(service, `${service} ${why}`);
}

export function isFraudRejection(risk: RiskAssessment | undefined): boolean {
  return risk?.decision === FraudDecision.FRAUD_DECISION_REJECT;
}

export type { OrderLine };
