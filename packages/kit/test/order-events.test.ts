import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrderStateStore } from "@bookstore/vector-clock";
import { AppError, clearOrders, GrpcStatus, MAX_CLEARS_PER_CALL } from "../src/index.js";

describe("ClearOrders", () => {
  it("answers each order as its own ClearOrder would: cleared, refused with the service's clock, or invalid", () => {
    const store = new OrderStateStore<string>("tv", 60_000);
    const seen = store.init("seen", "data", { orchestrator: 1 });
    store.init("stale", "data", { orchestrator: 1 });
    store.event("stale", { orchestrator: 2 });
    const stale = store.clockOf("stale");
    const { results } = clearOrders(store, {
      orders: [
        { orderId: "seen", finalClock: { entries: { ...seen, orchestrator: 5 } } },
        { orderId: "stale", finalClock: { entries: { orchestrator: 1 } } },
        { orderId: "", finalClock: undefined },
        { orderId: "never-initialised", finalClock: { entries: {} } },
      ],
    });
    assert.deepEqual(
      results.map((r) => [r.orderId, r.cleared, r.code]),
      [
        ["seen", true, 0],
        ["stale", false, 0],
        ["", false, GrpcStatus.INVALID_ARGUMENT],
        ["never-initialised", true, 0],
      ],
    );
    assert.deepEqual(results[1]?.serviceClock?.entries, { ...stale });
    assert.equal(store.clockOf("seen"), undefined, "cleared");
    assert.ok(store.clockOf("stale"), "kept");
  });

  it("refuses more than it takes in one call", () => {
    const store = new OrderStateStore<string>("tv", 60_000);
    const orders = Array.from({ length: MAX_CLEARS_PER_CALL + 1 }, (_, i) => ({
      orderId: `o${i}`,
      finalClock: undefined,
    }));
    assert.throws(
      () => clearOrders(store, { orders }),
      (e: unknown) => e instanceof AppError && e.code === GrpcStatus.INVALID_ARGUMENT,
    );
  });
});
