// What a checkout's validation came to, as a pure function of the event graph's outcomes:
// approved, rejected (every violation that came back), or unavailable (which service, why).
import { GrpcStatus } from "@bookstore/kit";
import type { BookSummary, FieldViolation, RiskAssessment } from "@bookstore/proto";
import type { VectorClock } from "@bookstore/vector-clock";
import type { ServiceError } from "@grpc/grpc-js";
import type { Reply } from "./checkout-events.js";
import type { GraphResult } from "./event-graph.js";
import type { EventTrace, ServiceName } from "./order-clock.js";

interface Known {
  trace: EventTrace[];
  finalClock: VectorClock;
}

export type CheckoutOutcome<P = unknown> =
  | ({
      kind: "approved";
      suggestions: BookSummary[];
      suggestionsAvailable: boolean;
      risk?: RiskAssessment;
      /** What the caller's after-approval step returned (e.g. the order's placement). */
      placement?: P;
    } & Known)
  | ({ kind: "rejected"; violations: FieldViolation[]; risk?: RiskAssessment } & Known)
  | ({ kind: "unavailable"; service: ServiceName; message: string } & Known);

/** A service that did not answer usefully: unreachable, too slow, or failing. */
export class Unavailable extends Error {
  constructor(
    readonly service: ServiceName,
    message: string,
  ) {
    super(message);
  }
}

export function toUnavailable(service: ServiceName, error: unknown): Unavailable {
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

/** The latest risk assessment that came back (card fraud over user fraud). */
function latestRisk(graph: GraphResult<Reply>): RiskAssessment | undefined {
  for (const name of ["e", "d"]) {
    const o = graph.outcomes.get(name);
    if ((o?.status === "ok" || o?.status === "rejected") && o.value.risk) return o.value.risk;
  }
  return undefined;
}

export function classifyOutcome<P>(
  graph: GraphResult<Reply & { placement?: P }>,
  known: Known,
): CheckoutOutcome<P> {
  const outcomes = [...graph.outcomes.values()];
  const risk = latestRisk(graph);
  const withRisk = risk ? { risk } : {};
  if (graph.firstFailure !== undefined) {
    const failed = outcomes.find((o) => o.status === "error");
    if (failed?.status === "error") {
      const reason = toUnavailable("transaction-verification", failed.error);
      return { kind: "unavailable", service: reason.service, message: reason.message, ...known };
    }
    const violations = outcomes.flatMap((o) => (o.status === "rejected" ? o.value.result.violations : []));
    return { kind: "rejected", violations, ...withRisk, ...known };
  }
  const f = graph.outcomes.get("f");
  const place = graph.outcomes.get("place");
  return {
    kind: "approved",
    suggestions: f?.status === "ok" ? (f.value.books ?? []) : [],
    suggestionsAvailable: f?.status === "ok",
    ...withRisk,
    ...(place?.status === "ok" && place.value.placement !== undefined
      ? { placement: place.value.placement }
      : {}),
    ...known,
  };
}
