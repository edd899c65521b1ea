import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VelocityTracker, velocityKeys } from "../src/scoring/index.js";
import { order } from "./support.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = 1_750_000_000_000;

describe("VelocityTracker", () => {
  it("counts an order in every dimension and window", () => {
    const v = new VelocityTracker();
    const o = order();
    assert.equal(v.observe(o, T0), true);
    assert.deepEqual(v.counts(o, T0), {
      windowsMs: { short: 10 * MIN, long: 24 * HOUR },
      card: { short: 1, long: 1 },
      contact: { short: 1, long: 1 },
      ip: { short: 1, long: 1 },
    });
  });

  it("observing the same order twice does not double count", () => {
    const v = new VelocityTracker();
    const o = order();
    assert.equal(v.observe(o, T0), true);
    assert.equal(v.observe(o, T0 + 1_000), false);
    assert.equal(v.observe({ ...o }, T0 + 2_000), false, "same orderId, another object");
    const c = v.counts(o, T0 + 2_000);
    assert.deepEqual([c.card.short, c.contact.short, c.ip.short], [1, 1, 1]);
    assert.equal(v.size.orders, 1);
  });

  it("separates dimensions: another card from the same customer counts for the customer only", () => {
    const v = new VelocityTracker();
    const a = order();
    const b = order({ card: { ...a.card, fingerprint: "other" } });
    v.observe(a, T0);
    v.observe(b, T0 + 1);
    const c = v.counts(b, T0 + 2);
    assert.equal(c.card.short, 1);
    assert.equal(c.contact.short, 2);
    assert.equal(c.ip.short, 2);
  });

  it("short and long windows expire at their edges", () => {
    const v = new VelocityTracker();
    const o = order();
    v.observe(o, T0);
    assert.deepEqual(v.counts(o, T0 + 10 * MIN - 1).card, { short: 1, long: 1 });
    assert.deepEqual(v.counts(o, T0 + 10 * MIN).card, { short: 0, long: 1 });
    assert.deepEqual(v.counts(o, T0 + 24 * HOUR - 1).card, { short: 0, long: 1 });
    assert.deepEqual(v.counts(o, T0 + 24 * HOUR).card, { short: 0, long: 0 });
  });

  it("takes configurable windows", () => {
    const v = new VelocityTracker({ windowsMs: { short: MIN, long: HOUR } });
    const o = order();
    v.observe(o, T0);
    assert.deepEqual(v.counts(o, T0 + MIN).card, { short: 0, long: 1 });
  });

  it("an order without a fingerprint, contact or IP is not lumped with others lacking it", () => {
    const v = new VelocityTracker();
    const bare = () => {
      const { email: _email, ...rest } = order({
        clientIp: "",
        card: { fingerprint: "", bin: "", last4: "", brand: "" },
      });
      return rest;
    };
    for (let i = 0; i < 5; i++) v.observe(bare(), T0 + i);
    const c = v.counts(bare(), T0 + 10);
    assert.deepEqual([c.card.short, c.contact.short, c.ip.short], [0, 0, 0]);
    assert.deepEqual(v.size, { card: 0, contact: 0, ip: 0, orders: 5 });
  });

  it("keys: e-mail before phone, case-insensitive e-mail, IPv4-mapped IPv6 as IPv4", () => {
    const o = order({ email: " Reader@Example.com ", phone: "+3725551234", clientIp: "::ffff:198.51.100.4" });
    assert.deepEqual(velocityKeys(o), {
      card: "9f86d081884c7d659a2feaa0c55ad015",
      contact: "email:reader@example.com",
      ip: "198.51.100.4",
    });
    const { email: _email, ...phoneOnly } = o;
    assert.equal(velocityKeys(phoneOnly).contact, "phone:+3725551234");
    assert.equal(velocityKeys(order({ clientIp: "2001:db8::1" })).ip, "2001:db8::1");
  });

  it("prune frees expired events and forgets order ids after the long window", () => {
    const v = new VelocityTracker();
    const o = order();
    v.observe(o, T0);
    v.prune(T0 + 24 * HOUR - 1);
    assert.deepEqual(v.size, { card: 1, contact: 1, ip: 1, orders: 1 });
    v.prune(T0 + 24 * HOUR);
    assert.deepEqual(v.size, { card: 0, contact: 0, ip: 0, orders: 0 });
    // Re-observed after every window has passed: counted once, in fresh windows.
    assert.equal(v.observe(o, T0 + 25 * HOUR), true);
    assert.equal(v.counts(o, T0 + 25 * HOUR).card.long, 1);
  });

  it("memory bound: keys per dimension, events per key and remembered orders are capped", () => {
    const v = new VelocityTracker({ maxKeys: 10, maxEventsPerKey: 3, maxOrders: 20 });
    for (let i = 0; i < 100; i++) {
      v.observe(order({ clientIp: `10.0.0.${i}`, email: `buyer${i % 15}@example.com` }), T0 + i);
    }
    assert.deepEqual(v.size, { card: 1, contact: 10, ip: 10, orders: 20 });
    assert.equal(v.counts(order(), T0 + 100).card.short, 3, "saturates at the per-key cap");
  });
});
