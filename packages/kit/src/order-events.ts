import type {
  ClearOrderRequest,
  ClearOrderResponse,
  ClearOrderResult,
  ClearOrdersRequest,
  ClearOrdersResponse,
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

/** One cleanup: the order's data deleted, or the service's clock that the final clock does not cover. */
function tryClear<T>(
  store: OrderStateStore<T>,
  request: ClearOrderRequest,
):
  | { cleared: true; finalClock: VectorClock }
  | { cleared: false; finalClock: VectorClock; clock: VectorClock } {
  requireOrderId(request.orderId);
  const finalClock = clockFromWire(request.finalClock, "final_clock");
  const result = store.clear(request.orderId, finalClock);
  return result.cleared ? { cleared: true, finalClock } : { cleared: false, finalClock, clock: result.clock };
}

/** ClearOrder: delete only when the final clock covers this service's clock, else FAILED_PRECONDITION. */
export function clearOrder<T>(store: OrderStateStore<T>, request: ClearOrderRequest): ClearOrderResponse {
  const r = tryClear(store, request);
  if (!r.cleared) {
    throw AppError.failedPrecondition(
      `${store.process} has seen events of order ${request.orderId} that the final clock has not: local ${serialize(r.clock)} is not <= final ${serialize(r.finalClock)}`,
      { [CLOCK_METADATA_KEY]: serialize(r.clock) },
    );
  }
  return { cleared: true, vectorClock: clockToWire(r.finalClock) };
}

export const MAX_CLEARS_PER_CALL = 1000;

/** ClearOrders: each order as its own ClearOrder would be, its refusal or error in its result. */
export function clearOrders<T>(store: OrderStateStore<T>, request: ClearOrdersRequest): ClearOrdersResponse {
  if (request.orders.length > MAX_CLEARS_PER_CALL) {
    throw AppError.invalid([
      { field: "orders", message: `orders must hold at most ${MAX_CLEARS_PER_CALL} requests` },
    ]);
  }
  return { results: request.orders.map((order) => clearOne(store, order)) };
}

function clearOne<T>(store: OrderStateStore<T>, request: ClearOrderRequest): ClearOrderResult {
  const base = { orderId: request.orderId, cleared: false, serviceClock: undefined, code: 0, message: "" };
  try {
    const r = tryClear(store, request);
    return r.cleared ? { ...base, cleared: true } : { ...base, serviceClock: clockToWire(r.clock) };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { ...base, code: error.code, message: error.message };
  }
}

/** Expires per-order state on a timer (unref'd: it never keeps the process alive). */
export function startExpiry<T>(store: OrderStateStore<T>, everyMs: number): () => void {
  const timer = setInterval(() => store.sweep(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
