import type {
  ClearOrderRequest,
  ClearOrderResponse,
  EventResult,
  FieldViolation,
  OrderEvent,
} from "@bookstore/proto";
import { fromEntries, type OrderStateStore, serialize, type VectorClock } from "@bookstore/vector-clock";
import { AppError } from "./errors.js";

/** Metadata key of the service's own clock on a refused ClearOrder. */
export const CLOCK_METADATA_KEY = "x-vector-clock";

/** A clock from the wire, rejected with INVALID_ARGUMENT when malformed. */
export function clockFromWire(
  clock: { entries: Record<string, number> } | undefined,
  field: string,
): VectorClock {
  try {
    return fromEntries(clock?.entries ?? {});
  } catch (error) {
    throw AppError.invalid([{ field, message: (error as Error).message }]);
  }
}

export function clockToWire(clock: VectorClock): { entries: Record<string, number> } {
  return { entries: { ...clock } };
}

function requireOrderId(orderId: string): void {
  if (orderId.length === 0 || orderId.length > 128) {
    throw AppError.invalid([{ field: "order_id", message: "order_id must be 1..128 characters" }]);
  }
}

/** Stores an order's data sent by InitializeOrder; replies with the service's clock. */
export function initializeOrder<T>(
  store: OrderStateStore<T>,
  orderId: string,
  data: T,
  clock: { entries: Record<string, number> } | undefined,
): EventResult {
  requireOrderId(orderId);
  return eventResult([], store.init(orderId, data, clockFromWire(clock, "vector_clock")));
}

/**
 * Records a checkout event for an order. An order this service never initialised (or that
 * expired) is NOT_FOUND at once: a call must never wait for data that will not come.
 */
export function recordEvent<T>(
  store: OrderStateStore<T>,
  event: OrderEvent | undefined,
): { data: T; clock: VectorClock } {
  const orderId = event?.orderId ?? "";
  requireOrderId(orderId);
  const recorded = store.event(orderId, clockFromWire(event?.vectorClock, "event.vector_clock"));
  if (!recorded) throw AppError.notFound(`order ${orderId} was not initialised on ${store.process}`);
  return recorded;
}

export function eventResult(violations: FieldViolation[], clock: VectorClock): EventResult {
  return { ok: violations.length === 0, violations, vectorClock: clockToWire(clock) };
}

/** ClearOrder: delete only when the final clock covers this service's clock, else FAILED_PRECONDITION. */
export function clearOrder<T>(store: OrderStateStore<T>, request: ClearOrderRequest): ClearOrderResponse {
  requireOrderId(request.orderId);
  const finalClock = clockFromWire(request.finalClock, "final_clock");
  const result = store.clear(request.orderId, finalClock);
  if (!result.cleared) {
    throw AppError.failedPrecondition(
      `${store.process} has seen events of order ${request.orderId} that the final clock has not: local ${serialize(result.clock)} is not <= final ${serialize(finalClock)}`,
      { [CLOCK_METADATA_KEY]: serialize(result.clock) },
    );
  }
  return { cleared: true, vectorClock: clockToWire(finalClock) };
}

/** Expires per-order state on a timer (unref'd: it never keeps the process alive). */
export function startExpiry<T>(store: OrderStateStore<T>, everyMs: number): () => void {
  const timer = setInterval(() => store.sweep(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
