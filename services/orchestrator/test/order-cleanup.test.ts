// OrderCleanup against a scripted service: a refused cleanup waits out its backoff on its own; a
// batching window that another order's cleanup opens meanwhile neither carries it off early nor
// waits for it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "@bookstore/kit";
import type { ClearOrderRequest, ClearOrderResult, ClearOrdersRequest } from "@bookstore/proto";
import { serialize } from "@bookstore/vector-clock";
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import type { CheckoutClients } from "../src/checkout-events.js";
import { OrderCleanup } from "../src/order-cleanup.js";

type Answer = (error: ServiceError | null, response: unknown) => void;

/**
 * A transaction-verification client whose ClearOrders runs `handle`, and whose ClearOrder (a lone
 * cleanup) does too, failing as the service does when it refuses: FAILED_PRECONDITION with its clock.
 */
function scriptedClients(handle: (req: ClearOrdersRequest) => ClearOrderResult[]): CheckoutClients {
  const clearOrders = (req: ClearOrdersRequest, _md: unknown, _opts: unknown, answer: Answer) => {
    const results = handle(req);
    setImmediate(() => answer(null, { results }));
    return { cancel() {} };
  };
  const clearOrder = (req: ClearOrderRequest, _md: unknown, _opts: unknown, answer: Answer) => {
    const [r] = handle({ orders: [req] });
    const metadata = new Metadata();
    if (r?.serviceClock) metadata.set("x-vector-clock", serialize(r.serviceClock.entries));
    const refusal = Object.assign(new Error("not yet"), {
      code: status.FAILED_PRECONDITION,
      details: "not yet",
      metadata,
    });
    setImmediate(() => (r?.cleared ? answer(null, {}) : answer(refusal as ServiceError, undefined)));
    return { cancel() {} };
  };
  return { verification: { clearOrders, clearOrder } } as unknown as CheckoutClients;
}

const result = (orderId: string, cleared: boolean): ClearOrderResult => ({
  orderId,
  cleared,
  code: 0,
  message: "",
  serviceClock: cleared ? undefined : { entries: { "transaction-verification": 9 } },
});

describe("order cleanup", () => {
  it("retries a refused cleanup after its backoff, apart from another order's window", async () => {
    const calls: { at: number; orders: string[] }[] = [];
    let refusedAt = 0;
    let cleanup: OrderCleanup | undefined;
    const done = new Promise<void>((resolve) => {
      const clients = scriptedClients((req) => {
        const orders = req.orders.map((o) => o.orderId);
        calls.push({ at: performance.now(), orders });
        if (orders.includes("a") && refusedAt === 0) {
          refusedAt = performance.now();
          // Another order's cleanup right after the refusal opens a new window for this service.
          setTimeout(() => cleanup?.clear("b", { orchestrator: 1 }, ["transaction-verification"]), 1);
          return orders.map((id) => result(id, id !== "a"));
        }
        if (orders.includes("a")) resolve();
        return orders.map((id) => result(id, true));
      });
      cleanup = new OrderCleanup(
        clients,
        { deadlineMs: 1000, attempts: 3, windowMs: 5 },
        createLogger({ service: "test", level: "silent" }),
      );
    });
    // The cleanup's timers do not hold the process open (unref): this test's does.
    const keepAlive = setInterval(() => {}, 1000);
    cleanup?.clear("a", { orchestrator: 1 }, ["transaction-verification"]);
    await done;
    clearInterval(keepAlive);
    const retry = calls.find((c, i) => i > 0 && c.orders.includes("a"));
    assert.ok(retry);
    assert.ok(
      retry.at - refusedAt >= 19,
      `retried ${(retry.at - refusedAt).toFixed(1)} ms after the refusal`,
    );
    assert.ok(
      calls.some((c) => c.orders.includes("b") && !c.orders.includes("a")),
      "b went in its own window, not held back by a's backoff",
    );
  });
});
