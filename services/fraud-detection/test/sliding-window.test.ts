import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SlidingWindowCounter } from "../src/scoring/index.js";

const MIN = 60_000;

describe("SlidingWindowCounter", () => {
  it("an event counts until exactly windowMs after it, not at the edge", () => {
    const c = new SlidingWindowCounter({ retentionMs: 10 * MIN });
    c.record("k", 1_000);
    assert.equal(c.count("k", 10 * MIN, 1_000), 1, "at the moment it happened");
    assert.equal(c.count("k", 10 * MIN, 1_000 + 10 * MIN - 1), 1, "1 ms before the edge");
    assert.equal(c.count("k", 10 * MIN, 1_000 + 10 * MIN), 0, "at the edge");
  });

  it("counts several windows over the same events", () => {
    const c = new SlidingWindowCounter({ retentionMs: 24 * 60 * MIN });
    for (const t of [0, 5 * MIN, 51 * MIN, 55 * MIN, 58 * MIN]) c.record("card", t);
    assert.equal(c.count("card", 10 * MIN, 60 * MIN), 3);
    assert.equal(c.count("card", 24 * 60 * MIN, 60 * MIN), 5);
    assert.equal(c.count("other", 10 * MIN, 60 * MIN), 0);
  });

  it("does not count events after `now`, and keeps out-of-order events sorted", () => {
    const c = new SlidingWindowCounter({ retentionMs: 10 * MIN });
    c.record("k", 5_000);
    c.record("k", 1_000);
    c.record("k", 3_000);
    assert.equal(c.count("k", 10 * MIN, 2_000), 1);
    assert.equal(c.count("k", 10 * MIN, 4_000), 2);
    assert.equal(c.count("k", 10 * MIN, 5_000), 3);
    assert.equal(c.count("k", 10 * MIN, 1_000 + 10 * MIN), 2, "the event at 1000 has left");
  });

  it("a non-positive window counts nothing; a window longer than the retention is refused", () => {
    const c = new SlidingWindowCounter({ retentionMs: MIN });
    c.record("k", 0);
    assert.equal(c.count("k", 0, 0), 0);
    assert.equal(c.count("k", -5, 0), 0);
    assert.throws(() => c.count("k", MIN + 1, 0), RangeError);
  });

  it("refuses bad options and non-finite times", () => {
    assert.throws(() => new SlidingWindowCounter({ retentionMs: 0 }), RangeError);
    assert.throws(() => new SlidingWindowCounter({ retentionMs: MIN, maxKeys: 0 }), RangeError);
    assert.throws(() => new SlidingWindowCounter({ retentionMs: MIN, maxEventsPerKey: 1.5 }), RangeError);
    const c = new SlidingWindowCounter({ retentionMs: MIN });
    assert.throws(() => c.record("k", Number.NaN), RangeError);
    assert.throws(() => c.count("k", MIN, Number.POSITIVE_INFINITY), RangeError);
  });

  it("prune drops events past the retention (edge included) and empty keys", () => {
    const c = new SlidingWindowCounter({ retentionMs: 10 * MIN });
    c.record("a", 0);
    c.record("a", 5 * MIN);
    c.record("b", 1 * MIN);
    assert.equal(c.prune(10 * MIN), 1, "the event at 0 is exactly at the edge");
    assert.equal(c.totalEvents, 2);
    assert.equal(c.size, 2);
    assert.equal(c.prune(11 * MIN), 1);
    assert.equal(c.size, 1, "b is gone");
    assert.equal(c.count("a", 10 * MIN, 11 * MIN), 1);
    assert.equal(c.prune(15 * MIN), 1);
    assert.equal(c.size, 0);
    assert.equal(c.totalEvents, 0);
  });

  it("recording drops the key's own expired events", () => {
    const c = new SlidingWindowCounter({ retentionMs: MIN });
    for (let t = 0; t < 100; t++) c.record("k", t * MIN);
    assert.equal(c.totalEvents, 1);
  });

  it("memory bound: events per key are capped, the oldest dropped first", () => {
    const c = new SlidingWindowCounter({ retentionMs: 10 * MIN, maxEventsPerKey: 5 });
    for (let t = 0; t < 10; t++) c.record("k", t);
    assert.equal(c.count("k", 10 * MIN, 10), 5);
    assert.equal(c.count("k", 10 * MIN - 5, 10 * MIN), 4, "the survivors are the 5 newest (5..9)");
    assert.equal(c.totalEvents, 5);
  });

  it("memory bound: keys are capped, the least recently recorded evicted", () => {
    const c = new SlidingWindowCounter({ retentionMs: 10 * MIN, maxKeys: 3 });
    c.record("a", 1);
    c.record("b", 2);
    c.record("c", 3);
    c.record("a", 4); // a is now the most recently recorded
    c.record("d", 5);
    assert.equal(c.size, 3);
    assert.equal(c.count("b", MIN, 10), 0, "b evicted");
    assert.equal(c.count("a", MIN, 10), 2);
    assert.equal(c.count("c", MIN, 10), 1);
    assert.equal(c.count("d", MIN, 10), 1);
    assert.equal(c.totalEvents, 4);
  });

  it("property: never more than maxKeys keys and maxKeys × maxEventsPerKey events", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 1_000 })), {
          maxLength: 300,
        }),
        (ops) => {
          const c = new SlidingWindowCounter({ retentionMs: 500, maxKeys: 7, maxEventsPerKey: 4 });
          let now = 0;
          for (const [key, dt] of ops) {
            now += dt;
            c.record(`k${key}`, now);
            assert.ok(c.size <= 7);
            assert.ok(c.totalEvents <= 28);
          }
        },
      ),
    );
  });

  it("property: below the caps, count equals a naive filter over every event recorded", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("a", "b", "c"), fc.integer({ min: 0, max: 300 })), {
          maxLength: 100,
        }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 0, max: 2_000 }),
        (ops, windowMs, wait) => {
          const c = new SlidingWindowCounter({ retentionMs: 1_000 });
          const log: [string, number][] = [];
          let now = 0;
          for (const [key, dt] of ops) {
            now += dt;
            c.record(key, now);
            log.push([key, now]);
          }
          const at = now + wait;
          for (const key of ["a", "b", "c"]) {
            const expected = log.filter(([k, t]) => k === key && t > at - windowMs).length;
            assert.equal(c.count(key, windowMs, at), expected);
          }
        },
      ),
    );
  });
});
