// The db-node state machine as pure logic: versions, compare-and-set, stock arithmetic that never
// goes negative, request-id deduplication, 2PC reservations, snapshot/restore.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Command, DbState, decodeCommand, encodeCommand, ValueKind } from "../src/state-machine.js";

function run(s: DbState, c: Command) {
  return s.execute(decodeCommand(encodeCommand(c)));
}

describe("db-node state machine", () => {
  it("versions increase per key and compare-and-set checks the version", () => {
    const s = new DbState();
    assert.deepEqual(run(s, { op: "put", key: "a", value: "1", type: ValueKind.INT }), {
      ok: true,
      version: 1,
    });
    assert.deepEqual(run(s, { op: "put", key: "a", value: "2", type: ValueKind.INT }), {
      ok: true,
      version: 2,
    });
    const stale = run(s, { op: "put", key: "a", value: "3", type: ValueKind.INT, expected: 1 });
    assert.equal(stale.ok, false);
    assert.equal(s.get("a")?.value, "2");
    assert.equal(run(s, { op: "put", key: "b", value: "x", type: ValueKind.STRING, expected: 0 }).ok, true);
    assert.equal(run(s, { op: "put", key: "b", value: "y", type: ValueKind.STRING, expected: 0 }).ok, false);
    assert.deepEqual(s.get("a"), { value: "2", type: ValueKind.INT, version: 2 });
  });

  it("stock never goes negative; a missing or non-integer key is refused", () => {
    const s = new DbState();
    run(s, { op: "put", key: "stock:x", value: "3", type: ValueKind.INT });
    assert.deepEqual(run(s, { op: "add", key: "stock:x", delta: -2 }), { ok: true, version: 2, value: 1 });
    const r = run(s, { op: "add", key: "stock:x", delta: -2 });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, "INSUFFICIENT");
    assert.equal(!r.ok && r.value, 1);
    assert.equal(s.get("stock:x")?.value, "1");
    assert.equal(run(s, { op: "add", key: "nope", delta: -1 }).ok, false);
    run(s, { op: "put", key: "s", value: "hello", type: ValueKind.STRING });
    const notInt = run(s, { op: "add", key: "s", delta: 1 });
    assert.equal(!notInt.ok && notInt.code, "NOT_INTEGER");
  });

  it("a retried decrement with the same request id is applied once", () => {
    const s = new DbState();
    run(s, { op: "put", key: "stock:x", value: "5", type: ValueKind.INT });
    const first = run(s, { op: "add", key: "stock:x", delta: -1, rid: "r1" });
    const again = run(s, { op: "add", key: "stock:x", delta: -1, rid: "r1" });
    assert.deepEqual(again, first);
    assert.equal(s.get("stock:x")?.value, "4");
  });

  it("a write retried with its request id applies once: no lost update, and a CAS keeps its first answer (issue 14)", () => {
    // The nemesis found this: a write whose answer was lost was applied again by the client's retry,
    // wiping out a decrement acknowledged in between, and a retried compare-and-set that had
    // succeeded answered "version mismatch".
    const s = new DbState();
    const create = { op: "put", key: "stock:y", value: "60", type: ValueKind.INT, rid: "w1" } as const;
    assert.deepEqual(run(s, create), { ok: true, version: 1 });
    assert.deepEqual(run(s, { op: "add", key: "stock:y", delta: -2, rid: "d1" }), {
      ok: true,
      version: 2,
      value: 58,
    });
    assert.deepEqual(run(s, create), { ok: true, version: 1 }, "the retry gets the first answer");
    assert.deepEqual(
      s.get("stock:y"),
      { value: "58", type: ValueKind.INT, version: 2 },
      "the decrement stands",
    );
    const cas = {
      op: "put",
      key: "reg",
      value: "a",
      type: ValueKind.STRING,
      expected: 0,
      rid: "c1",
    } as const;
    assert.deepEqual(run(s, cas), { ok: true, version: 1 });
    assert.deepEqual(run(s, cas), { ok: true, version: 1 }, "not VERSION_MISMATCH");
    // Without an id a put is applied each time (what the fix is about).
    run(s, { op: "put", key: "reg", value: "b", type: ValueKind.STRING });
    run(s, { op: "put", key: "reg", value: "b", type: ValueKind.STRING });
    assert.equal(s.get("reg")?.version, 3);
  });

  it("seeds once", () => {
    const s = new DbState();
    run(s, { op: "seed", items: [["stock:a", 5]] });
    run(s, { op: "add", key: "stock:a", delta: -1 });
    run(s, {
      op: "seed",
      items: [
        ["stock:a", 5],
        ["stock:b", 2],
      ],
    });
    assert.equal(s.get("stock:a")?.value, "4");
    assert.equal(s.get("stock:b"), undefined);
  });

  it("2PC: prepare reserves (available = stock − reserved), commit decrements, abort releases; idempotent", () => {
    const s = new DbState();
    run(s, {
      op: "seed",
      items: [
        ["stock:a", 5],
        ["stock:b", 1],
      ],
    });
    const lines = [
      { key: "stock:a", amount: 3 },
      { key: "stock:b", amount: 1 },
    ];
    assert.equal(run(s, { op: "prepare", tx: "t1", lines, coordinator: "c", at: 1 }).ok, true);
    assert.equal(run(s, { op: "prepare", tx: "t1", lines, coordinator: "c", at: 2 }).ok, true);
    assert.equal(s.available("stock:a"), 2);
    // A direct decrement cannot take reserved stock.
    assert.equal(run(s, { op: "add", key: "stock:a", delta: -3 }).ok, false);
    const no = run(s, {
      op: "prepare",
      tx: "t2",
      lines: [{ key: "stock:b", amount: 1 }],
      coordinator: "c",
      at: 3,
    });
    assert.equal(no.ok, false);
    assert.match(!no.ok ? no.message : "", /stock:b: 0 available/);
    assert.equal(s.decision("t2"), undefined, "a no vote reserves nothing");
    assert.equal(run(s, { op: "commit", tx: "t1" }).ok, true);
    assert.equal(run(s, { op: "commit", tx: "t1" }).ok, true);
    assert.equal(s.get("stock:a")?.value, "2");
    assert.equal(s.get("stock:b")?.value, "0");
    assert.equal(s.reserved.size, 0);
    assert.equal(run(s, { op: "abort", tx: "t1" }).ok, false, "cannot abort a committed transaction");

    assert.equal(
      run(s, { op: "prepare", tx: "t3", lines: [{ key: "stock:a", amount: 2 }], coordinator: "c", at: 4 }).ok,
      true,
    );
    assert.equal(run(s, { op: "abort", tx: "t3" }).ok, true);
    assert.equal(run(s, { op: "abort", tx: "t3" }).ok, true);
    assert.equal(s.available("stock:a"), 2);
    assert.equal(run(s, { op: "commit", tx: "t3" }).ok, false);
    // An abort that overtook its prepare makes the late prepare vote no.
    assert.equal(run(s, { op: "abort", tx: "t4" }).ok, true);
    assert.equal(
      run(s, { op: "prepare", tx: "t4", lines: [{ key: "stock:a", amount: 1 }], coordinator: "c", at: 5 }).ok,
      false,
    );
    // Two lines for the same key must fit together.
    const both = run(s, {
      op: "prepare",
      tx: "t5",
      lines: [
        { key: "stock:a", amount: 2 },
        { key: "stock:a", amount: 1 },
      ],
      coordinator: "c",
      at: 6,
    });
    assert.equal(both.ok, false);
  });

  it("snapshot/restore keeps records, reservations, decisions, dedup and the seed flag", () => {
    const s = new DbState();
    run(s, { op: "seed", items: [["stock:a", 5]] });
    run(s, { op: "prepare", tx: "t1", lines: [{ key: "stock:a", amount: 2 }], coordinator: "c:1", at: 7 });
    run(s, { op: "add", key: "stock:a", delta: -1, rid: "r" });
    run(s, { op: "abort", tx: "t9" });
    const copy = new DbState();
    copy.restore(s.snapshot());
    assert.deepEqual(copy.get("stock:a"), s.get("stock:a"));
    assert.equal(copy.available("stock:a"), 2);
    assert.equal(copy.decision("t1"), "reserved");
    assert.equal(copy.decision("t9"), "aborted");
    assert.equal(copy.seeded, true);
    assert.deepEqual(run(copy, { op: "add", key: "stock:a", delta: -1, rid: "r" }).ok, true);
    assert.equal(copy.get("stock:a")?.value, "4", "deduplicated after restore");
    assert.deepEqual(Buffer.from(copy.snapshot()), Buffer.from(s.snapshot()));
  });
});
