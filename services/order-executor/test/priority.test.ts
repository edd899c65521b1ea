import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { OrderState } from "../src/order-state-machine.js";
import { AGING_PER_SECOND, basePriority, effectivePriority, queueKey, valueBonus } from "../src/priority.js";
import { order } from "./support.js";

describe("priority", () => {
  it("faster shipping first, then larger orders, with the value bonus bounded", () => {
    assert.ok(
      basePriority({ shippingMethod: "Overnight", totalCents: 500 }) >
        basePriority({ shippingMethod: "Express", totalCents: 1e9 }),
    );
    assert.ok(
      basePriority({ shippingMethod: "Express", totalCents: 500 }) >
        basePriority({ shippingMethod: "Standard", totalCents: 1e9 }),
    );
    assert.ok(valueBonus(10_000) > valueBonus(1_000));
    assert.equal(valueBonus(1e12), 50);
    assert.equal(valueBonus(0), 0);
  });

  it("ordering by the fixed key is ordering by effective priority at any later time", () => {
    const job = fc.record({ base: fc.integer({ min: 100, max: 350 }), at: fc.integer({ min: 0, max: 1e9 }) });
    fc.assert(
      fc.property(job, job, fc.integer({ min: 0, max: 1e6 }), (a, b, later) => {
        const now = Math.max(a.at, b.at) + later;
        const byKey = Math.sign(queueKey(a.base, a.at) - queueKey(b.base, b.at));
        const byNow = Math.sign(effectivePriority(a.base, a.at, now) - effectivePriority(b.base, b.at, now));
        assert.equal(byKey, byNow);
      }),
    );
  });

  it("the queue runs Overnight before Express before Standard, FIFO among equals", () => {
    const s = new OrderState();
    const submit = (id: string, shipping: "Standard" | "Express" | "Overnight", at: number) =>
      s.execute({ op: "submit", id, payload: order(id, shipping), at });
    submit("s1", "Standard", 1000);
    submit("e1", "Express", 1001);
    submit("s2", "Standard", 1001);
    submit("o1", "Overnight", 1002);
    submit("e2", "Express", 1002);
    assert.deepEqual(
      s.pending.map((j) => j.id),
      ["o1", "e1", "e2", "s1", "s2"],
    );
  });

  it("an old Standard order is overtaken only by orders that arrived within 25 s of it: nothing starves", () => {
    const s = new OrderState();
    s.execute({ op: "submit", id: "old", payload: order("old", "Standard", 100), at: 0 });
    const best = basePriority({ shippingMethod: "Overnight", totalCents: 1e12 });
    const limit =
      ((best - basePriority({ shippingMethod: "Standard", totalCents: 100 })) / AGING_PER_SECOND) * 1000;
    assert.ok(limit <= 25_000);
    for (let t = 100; t < limit + 10_000; t += 100) {
      s.execute({ op: "submit", id: `n${t}`, payload: order(`n${t}`, "Overnight", 1e12), at: t });
    }
    const position = s.pending.findIndex((j) => j.id === "old");
    const ahead = s.pending.slice(0, position);
    assert.ok(ahead.length > 0, "new Overnight orders did overtake it at first");
    assert.ok(
      ahead.every((j) => j.submittedAt < limit),
      "no order that arrived more than 25 s later is ahead",
    );
    assert.ok(s.pending.slice(position + 1).every((j) => j.submittedAt >= limit - 100));
  });
});
