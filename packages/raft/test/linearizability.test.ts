// The linearizability checker (Wing & Gong / Lowe / Porcupine) that the simulator and the nemesis
// runs rely on: known histories, long histories, unknown outcomes, and a differential property
// against a brute-force search over every order of small random histories.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  checkLinearizable,
  checkOperations,
  type HistoryOp,
  type Model,
  type Operation,
} from "../src/sim/linearizability.js";

const INF = Number.POSITIVE_INFINITY;

describe("register histories (the simulator's)", () => {
  const op = (o: Partial<Operation>): Operation => ({
    client: 0,
    key: "k",
    kind: "put",
    value: undefined,
    call: 0,
    ret: 1,
    ...o,
  });

  it("accepts a sequential history and concurrent reorderings", () => {
    const h = [
      op({ kind: "put", value: "a", call: 0, ret: 10 }),
      op({ client: 1, kind: "put", value: "b", call: 5, ret: 15 }),
      op({ client: 2, kind: "get", value: "a", call: 12, ret: 20 }),
    ];
    assert.equal(checkLinearizable(h).ok, true);
  });

  it("rejects a stale read after a completed write", () => {
    const h = [
      op({ kind: "put", value: "a", call: 0, ret: 10 }),
      op({ client: 1, kind: "put", value: "b", call: 11, ret: 15 }),
      op({ client: 2, kind: "get", value: "a", call: 16, ret: 20 }),
    ];
    assert.deepEqual(checkLinearizable(h), { ok: false, key: "k" });
  });

  it("an unacknowledged write may or may not have happened, but not twice", () => {
    const pending = op({ kind: "put", value: "x", call: 0, ret: INF });
    const w = op({ client: 1, kind: "put", value: "y", call: 1, ret: 2 });
    const read = (value: string, call: number) => op({ client: 2, kind: "get", value, call, ret: call + 1 });
    assert.equal(checkLinearizable([pending, w, read("x", 3)]).ok, true);
    assert.equal(checkLinearizable([pending, w, read("y", 3)]).ok, true);
    assert.equal(checkLinearizable([pending, w, read("x", 3), read("y", 5)]).ok, false);
  });

  it("a read of a never-written value fails; a read of nothing before any write passes", () => {
    assert.equal(checkLinearizable([op({ kind: "get", value: "ghost" })]).ok, false);
    assert.equal(checkLinearizable([op({ kind: "get", value: undefined })]).ok, true);
  });
});

// A versioned register with compare-and-set, as the nemesis models db-node records.
type VState = { value: string; version: number };
type VInput = { f: "read" } | { f: "write"; value: string } | { f: "cas"; expected: number; value: string };
type VOutput = { ok: boolean; value?: string; version: number };
const versioned: Model<VState, VInput, VOutput> = {
  init: { value: "", version: 0 },
  step(s, i, o) {
    if (i.f === "read")
      return o === undefined || (o.value === s.value && o.version === s.version) ? s : undefined;
    const applies = i.f === "write" || s.version === i.expected;
    const next = { value: i.value, version: s.version + 1 };
    if (o === undefined) return applies ? next : s;
    if (!applies) return !o.ok && o.version === s.version ? s : undefined;
    return o.ok && o.version === next.version ? next : undefined;
  },
  key: (s) => `${s.version}:${s.value}`,
};

describe("checkOperations with any model", () => {
  const h = (call: number, ret: number, input: VInput, output?: VOutput): HistoryOp<VInput, VOutput> => ({
    call,
    ret,
    input,
    output,
  });

  it("compare-and-set: a refusal must report the version there was, a success the next one", () => {
    const base = [h(0, 1, { f: "write", value: "a" }, { ok: true, version: 1 })];
    const casOk = h(2, 3, { f: "cas", expected: 1, value: "b" }, { ok: true, version: 2 });
    assert.equal(checkOperations([...base, casOk], versioned).result, "ok");
    const refusedWrongly = h(2, 3, { f: "cas", expected: 1, value: "b" }, { ok: false, version: 1 });
    assert.equal(checkOperations([...base, refusedWrongly], versioned).result, "fail");
  });

  it("a write applied twice (its retry after an unknown outcome) shows in the versions", () => {
    const history = [
      h(0, 10, { f: "write", value: "a" }, { ok: true, version: 3 }),
      h(1, 2, { f: "read" }, { ok: true, value: "a", version: 1 }),
      h(3, 4, { f: "write", value: "b" }, { ok: true, version: 2 }),
    ];
    // The read of version 1 is what no order can explain.
    assert.deepEqual(checkOperations(history, versioned), { result: "fail", blockedBy: 1 });
  });

  it("12,000 sequential operations: no recursion limit; a stale read at the end is found", () => {
    const ops: HistoryOp<VInput, VOutput>[] = [];
    for (let i = 0; i < 6_000; i++) {
      ops.push(h(4 * i, 4 * i + 1, { f: "write", value: `v${i}` }, { ok: true, version: i + 1 }));
      ops.push(h(4 * i + 2, 4 * i + 3, { f: "read" }, { ok: true, value: `v${i}`, version: i + 1 }));
    }
    assert.equal(checkOperations(ops, versioned).result, "ok");
    const stale = h(30_000, 30_001, { f: "read" }, { ok: true, value: "v5", version: 6 });
    assert.deepEqual(checkOperations([...ops, stale], versioned), { result: "fail", blockedBy: ops.length });
  });

  it("gives up (unknown, not a violation) past its state budget", () => {
    // Many writes with unknown outcomes, then a read no order explains: the search tries them all.
    const ops = Array.from({ length: 12 }, (_, i) => h(0, INF, { f: "write", value: `w${i}` }));
    const read = h(200, 201, { f: "read" }, { ok: true, value: "never written", version: 1 });
    assert.equal(checkOperations([...ops, read], versioned, 50).result, "unknown");
    assert.equal(checkOperations([...ops, read], versioned).result, "fail");
  });

  it("agrees with a brute-force search over every order on random small histories", () => {
    const opArb = fc.record({
      call: fc.integer({ min: 0, max: 20 }),
      length: fc.integer({ min: 0, max: 10 }),
      unknown: fc.boolean(),
      f: fc.constantFrom("read", "write", "cas"),
      value: fc.constantFrom("a", "b", "c"),
      version: fc.integer({ min: 0, max: 3 }),
      ok: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 6 }), (raw) => {
        const ops = raw.map((r): HistoryOp<VInput, VOutput> => {
          const input: VInput =
            r.f === "read"
              ? { f: "read" }
              : r.f === "write"
                ? { f: "write", value: r.value }
                : { f: "cas", expected: r.version, value: r.value };
          const unknown = r.unknown && r.f !== "read";
          const output = unknown
            ? undefined
            : { ok: r.f === "read" || r.ok, value: r.value, version: r.version };
          return h(r.call, unknown ? INF : r.call + r.length, input, output);
        });
        const fast = checkOperations(ops, versioned).result === "ok";
        assert.equal(fast, bruteForce(ops, versioned));
      }),
      { numRuns: 3000 },
    );
  });
});

/** Every order of every subset containing all completed operations, respecting real time. */
function bruteForce<S, I, O>(ops: HistoryOp<I, O>[], model: Model<S, I, O>): boolean {
  const n = ops.length;
  const used = new Array<boolean>(n).fill(false);
  const search = (state: S, placed: number): boolean => {
    const pendingCompleted = ops.some((o, i) => !used[i] && o.ret !== INF);
    if (!pendingCompleted) return true; // the unknown rest may never have happened
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      const o = ops[i] as HistoryOp<I, O>;
      // i may go next only if no unplaced operation returned before i was called.
      if (ops.some((p, j) => !used[j] && j !== i && p.ret < o.call)) continue;
      const next = model.step(state, o.input, o.output);
      if (next === undefined) continue;
      used[i] = true;
      const ok = search(next, placed + 1);
      used[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return search(model.init, 0);
}
