import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrderStateStore, tick } from "../src/index.js";

function storeAt(start = 0) {
  const clock = { now: start };
  return { store: new OrderStateStore<string>("tv", 1000, () => clock.now), clock };
}

describe("OrderStateStore", () => {
  it("init and events merge the caller's clock and tick the process", () => {
    const { store } = storeAt();
    const sent = tick({}, "orchestrator");
    assert.deepEqual(store.init("o1", "data", sent), { orchestrator: 1, tv: 1 });
    const next = store.event("o1", { orchestrator: 2 });
    assert.deepEqual(next, { data: "data", clock: { orchestrator: 2, tv: 2 } });
  });

  it("an event for an unknown order answers undefined at once", () => {
    const { store } = storeAt();
    assert.equal(store.event("nope", {}), undefined);
  });

  it("clear refuses a final clock that has not seen every local event", () => {
    const { store } = storeAt();
    store.init("o1", "data", { orchestrator: 1 });
    store.event("o1", { orchestrator: 2 }); // tv: 2
    const stale = store.clear("o1", { orchestrator: 2, tv: 1 });
    assert.deepEqual(stale, { cleared: false, reason: "stale_clock", clock: { orchestrator: 2, tv: 2 } });
    assert.equal(store.size, 1, "data kept after a refused clear");
    assert.deepEqual(store.clear("o1", { orchestrator: 3, tv: 2 }), { cleared: true });
    assert.equal(store.size, 0);
    assert.deepEqual(store.clear("o1", {}), { cleared: true }, "clearing twice is fine");
  });

  it("expires orders after their time to live", () => {
    const { store, clock } = storeAt();
    store.init("old", "a", {});
    clock.now = 500;
    store.init("new", "b", {});
    clock.now = 1000;
    assert.equal(store.sweep(), 1);
    assert.equal(store.event("old", {}), undefined);
    assert.ok(store.event("new", {}));
  });
});
