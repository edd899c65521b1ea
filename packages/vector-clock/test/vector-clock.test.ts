import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  compare,
  concurrent,
  deserialize,
  empty,
  fromEntries,
  lessOrEqual,
  merge,
  receive,
  serialize,
  tick,
  type VectorClock,
} from "../src/index.js";

const processes = fc.constantFrom("orchestrator", "tv", "fd", "sg");
const clockArb: fc.Arbitrary<VectorClock> = fc.dictionary(processes, fc.integer({ min: 0, max: 20 }));
const flip = { before: "after", after: "before", equal: "equal", concurrent: "concurrent" } as const;
const allProcesses = ["orchestrator", "tv", "fd", "sg"];

/**
 * `base` advanced entry by entry by `steps` (each ≥ 0), built without the library's own merge or
 * tick, so a property's precondition "a ≤ b" holds by construction instead of by chance.
 */
function advanced(base: VectorClock, steps: VectorClock): VectorClock {
  const out: Record<string, number> = {};
  for (const p of allProcesses) {
    const v = (base[p] ?? 0) + (steps[p] ?? 0);
    if (v > 0) out[p] = v;
  }
  return out;
}

/** The entry-wise maximum, computed here independently of merge(). */
function entrywiseMax(a: VectorClock, b: VectorClock): VectorClock {
  const out: Record<string, number> = {};
  for (const p of allProcesses) {
    const v = Math.max(a[p] ?? 0, b[p] ?? 0);
    if (v > 0) out[p] = v;
  }
  return out;
}

describe("vector clock", () => {
  it("tick counts a local event", () => {
    assert.deepEqual(tick(tick(empty, "tv"), "tv"), { tv: 2 });
    assert.equal(compare(empty, tick(empty, "tv")), "before");
  });

  it("a message receive happens after the send", () => {
    const sender = tick(empty, "orchestrator");
    const receiver = receive(tick(empty, "tv"), sender, "tv");
    assert.deepEqual(receiver, { orchestrator: 1, tv: 2 });
    assert.equal(compare(sender, receiver), "before");
  });

  it("independent events are concurrent", () => {
    const a = tick(empty, "tv");
    const b = tick(empty, "fd");
    assert.equal(compare(a, b), "concurrent");
    assert.ok(concurrent(a, b));
    assert.ok(!lessOrEqual(a, b));
  });

  it("missing entries count as zero", () => {
    assert.equal(compare({ tv: 0 }, {}), "equal");
    assert.equal(serialize({ tv: 0, fd: 1 }), '{"fd":1}');
  });

  it("rejects malformed clocks with the entry named", () => {
    assert.throws(() => fromEntries({ tv: -1 }), /"tv" must be a non-negative integer/);
    assert.throws(() => fromEntries({ tv: 1.5 }), /"tv"/);
    assert.throws(() => fromEntries([1]), /must be an object/);
    assert.throws(() => deserialize("null"), /must be an object/);
  });

  it("refuses keys that are not process names, and more entries than processes exist (issue 10)", () => {
    assert.throws(() => fromEntries({ "a\u007fb": 1 }), /key "a\?b" is not a process name/);
    assert.throws(
      () => fromEntries({ ["k".repeat(100_000)]: 1 }),
      (e: Error) => e.message.length < 300,
    );
    assert.throws(() => fromEntries(JSON.parse('{"__proto__": 1}')), /not a process name/);
    assert.throws(
      () => fromEntries(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`p${i}`, 1]))),
      /65 entries/,
    );
    assert.deepEqual(fromEntries({ "db-node.1:a_b": 2 }), { "db-node.1:a_b": 2 });
  });

  it("a key named like a prototype property compares as a plain entry (issue 10)", () => {
    const withConstructor = fromEntries({ constructor: 5 });
    assert.equal(compare(withConstructor, empty), "after");
    assert.equal(compare(empty, withConstructor), "before");
    assert.equal(lessOrEqual(withConstructor, { tv: 1 }), false);
    assert.deepEqual(tick(empty, "toString"), { toString: 1 });
  });

  describe("algebra (property-based)", () => {
    it("merge is commutative, associative and idempotent", () => {
      fc.assert(
        fc.property(clockArb, clockArb, clockArb, (a, b, c) => {
          assert.equal(compare(merge(a, b), merge(b, a)), "equal");
          assert.equal(compare(merge(merge(a, b), c), merge(a, merge(b, c))), "equal");
          assert.equal(compare(merge(a, a), a), "equal");
        }),
      );
    });

    it("merge is the least upper bound", () => {
      // c is any upper bound of a and b (the entry-wise maximum advanced by arbitrary steps).
      fc.assert(
        fc.property(clockArb, clockArb, clockArb, (a, b, steps) => {
          const m = merge(a, b);
          assert.ok(lessOrEqual(a, m) && lessOrEqual(b, m));
          assert.equal(compare(m, entrywiseMax(a, b)), "equal");
          const c = advanced(entrywiseMax(a, b), steps);
          assert.ok(lessOrEqual(m, c));
        }),
      );
    });

    it("the merge lowered in any entry is no longer an upper bound of a and b", () => {
      fc.assert(
        fc.property(clockArb, clockArb, processes, (a0, b, p) => {
          const a = advanced(a0, { [p]: 1 }); // so the merge has something to lower at p
          const m = merge(a, b);
          const lower = { ...m, [p]: (m[p] as number) - 1 };
          assert.equal(lessOrEqual(a, lower) && lessOrEqual(b, lower), false);
        }),
      );
    });

    it("compare is antisymmetric and consistent with lessOrEqual", () => {
      fc.assert(
        fc.property(clockArb, clockArb, (a, b) => {
          assert.equal(compare(b, a), flip[compare(a, b)]);
          assert.equal(lessOrEqual(a, b) && lessOrEqual(b, a), compare(a, b) === "equal");
        }),
      );
    });

    it("happened-before is transitive", () => {
      // a ≤ b ≤ c by construction; the steps are often zero, so equal clocks are covered too.
      fc.assert(
        fc.property(clockArb, clockArb, clockArb, (a, step1, step2) => {
          const b = advanced(a, step1);
          const c = advanced(b, step2);
          assert.ok(lessOrEqual(a, b) && lessOrEqual(b, c));
          assert.ok(lessOrEqual(a, c));
          assert.notEqual(compare(a, c), "after");
          assert.notEqual(compare(a, c), "concurrent");
        }),
      );
    });

    it("tick strictly advances", () => {
      fc.assert(fc.property(clockArb, processes, (a, p) => assert.equal(compare(a, tick(a, p)), "before")));
    });

    it("serialize round-trips and is canonical", () => {
      fc.assert(
        fc.property(clockArb, (a) => {
          const text = serialize(a);
          assert.equal(compare(deserialize(text), a), "equal");
          assert.equal(serialize(deserialize(text)), text);
        }),
      );
    });
  });
});
