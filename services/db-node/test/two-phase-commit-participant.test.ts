// The db-node's 2PC participant inside the replicated state machine: why a Prepare votes no, writes
// that would take reserved stock, the v1 snapshot format, and random interleavings of 2PC and plain
// stock changes checked for conservation (sold + remaining = initial) and 0 ≤ reserved ≤ stock.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type Command, DbState, decodeCommand, encodeCommand, ValueKind } from "../src/state-machine.js";

function run(s: DbState, c: Command) {
  return s.execute(decodeCommand(encodeCommand(c)));
}

function stocked(items: [string, number][]): DbState {
  const s = new DbState();
  run(s, { op: "seed", items });
  return s;
}

const prepare = (tx: string, lines: { key: string; amount: number }[]): Command => ({
  op: "prepare",
  tx,
  lines,
  coordinator: "127.0.0.1:1",
  at: 0,
});

describe("db-node 2PC participant", () => {
  it("a no vote names the reason, the first key that did not fit and what was available", () => {
    const s = stocked([
      ["stock:a", 3],
      ["stock:b", 1],
    ]);
    const short = run(
      s,
      prepare("t1", [
        { key: "stock:a", amount: 2 },
        { key: "stock:b", amount: 2 },
      ]),
    );
    assert.deepEqual(
      { ok: short.ok, reason: !short.ok && short.reason, key: !short.ok && short.key },
      { ok: false, reason: "INSUFFICIENT_STOCK", key: "stock:b" },
    );
    assert.equal(!short.ok && short.value, 1);
    assert.equal(s.available("stock:a"), 3, "every line or none: stock:a is not reserved either");

    const missing = run(s, prepare("t2", [{ key: "stock:zz", amount: 1 }]));
    assert.equal(!missing.ok && missing.reason, "NO_SUCH_KEY");
    assert.equal(!missing.ok && missing.key, "stock:zz");

    run(s, { op: "abort", tx: "t3" });
    const late = run(s, prepare("t3", [{ key: "stock:a", amount: 1 }]));
    assert.equal(!late.ok && late.reason, "ALREADY_ABORTED");
  });

  it("a write may not take stock that open transactions have reserved", () => {
    const s = stocked([["stock:a", 5]]);
    assert.equal(run(s, prepare("t1", [{ key: "stock:a", amount: 3 }])).ok, true);
    assert.equal(run(s, { op: "put", key: "stock:a", value: "2", type: ValueKind.INT }).ok, false);
    assert.equal(run(s, { op: "put", key: "stock:a", value: "x", type: ValueKind.STRING }).ok, false);
    assert.equal(run(s, { op: "put", key: "stock:a", value: "3", type: ValueKind.INT }).ok, true);
    assert.equal(s.available("stock:a"), 0);
    assert.equal(run(s, { op: "commit", tx: "t1" }).ok, true);
    assert.equal(s.get("stock:a")?.value, "0");
  });

  it("restores a version-1 snapshot (reservations and decisions in their old fields)", () => {
    const v1 = {
      v: 1,
      records: [["stock:a", { value: "5", type: ValueKind.INT, version: 1 }]],
      reservations: [["t1", { lines: [{ key: "stock:a", amount: 2 }], coordinator: "c:1", at: 7 }]],
      decided: [["t0", "aborted"]],
      dedup: [],
      seeded: true,
    };
    const s = new DbState();
    s.restore(new TextEncoder().encode(JSON.stringify(v1)));
    assert.equal(s.available("stock:a"), 3);
    assert.equal(s.decision("t1"), "reserved");
    assert.equal(s.decision("t0"), "aborted");
    assert.deepEqual(
      [...s.participant.openTransactions()],
      [["t1", { resource: [{ key: "stock:a", amount: 2 }], coordinator: "c:1", at: 7 }]],
    );
    assert.equal(run(s, { op: "commit", tx: "t1" }).ok, true);
    assert.equal(s.get("stock:a")?.value, "3");
    const image = JSON.parse(new TextDecoder().decode(s.snapshot())) as { v: number };
    assert.equal(image.v, 2, "snapshots are written in the current version");
  });
});

const KEYS = ["stock:a", "stock:b", "stock:c"];
const line = fc.record({ key: fc.constantFrom(...KEYS), amount: fc.integer({ min: 1, max: 4 }) });
const op = fc.oneof(
  fc.record({
    kind: fc.constant("prepare" as const),
    tx: fc.nat(7),
    lines: fc.array(line, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ kind: fc.constantFrom("commit" as const, "abort" as const), tx: fc.nat(7) }),
  fc.record({
    kind: fc.constant("add" as const),
    key: fc.constantFrom(...KEYS),
    delta: fc.integer({ min: -3, max: 3 }),
  }),
);

describe("db-node 2PC participant, random interleavings (fast-check)", () => {
  it("sold + remaining = initial + added for every key; 0 ≤ reserved ≤ stock; snapshots round-trip", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 3, maxLength: 3 }),
        fc.array(op, { maxLength: 50 }),
        (initial, ops) => {
          const s = stocked(KEYS.map((k, i) => [k, initial[i] ?? 0]));
          const moved = new Map<string, number>(KEYS.map((k) => [k, 0]));
          const prepared = new Map<string, { key: string; amount: number }[]>();
          for (const o of ops) {
            if (o.kind === "add") {
              const r = run(s, { op: "add", key: o.key, delta: o.delta });
              if (r.ok) moved.set(o.key, (moved.get(o.key) ?? 0) + o.delta);
              continue;
            }
            const tx = `t${o.tx}`;
            const before = s.decision(tx);
            if (o.kind === "prepare") {
              if (run(s, prepare(tx, o.lines)).ok && before === undefined) prepared.set(tx, o.lines);
            } else if (run(s, { op: o.kind, tx }).ok && before === "reserved" && o.kind === "commit") {
              for (const l of prepared.get(tx) ?? []) moved.set(l.key, (moved.get(l.key) ?? 0) - l.amount);
            }
            for (const [i, key] of KEYS.entries()) {
              const stock = Number(s.get(key)?.value);
              assert.equal(stock, (initial[i] ?? 0) + (moved.get(key) ?? 0), `conservation of ${key}`);
              const reserved = s.reserved.get(key) ?? 0;
              assert.ok(reserved >= 0 && reserved <= stock, `0 ≤ reserved ≤ stock for ${key}`);
            }
          }
          const copy = new DbState();
          copy.restore(s.snapshot());
          assert.deepEqual(Buffer.from(copy.snapshot()), Buffer.from(s.snapshot()));
          assert.deepEqual([...copy.reserved].sort(), [...s.reserved].sort());
        },
      ),
    );
  });
});
