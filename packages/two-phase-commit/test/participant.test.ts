// The participant ledger as a specification: the protocol's transitions one by one, then random
// interleavings of Prepare / Commit / Abort (repeated, reordered, for unknown ids) checked against
// the rules and against conservation of the resource the prepares hold.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvariantError } from "@bookstore/raft";
import fc from "fast-check";
import { type Acquire, ParticipantLedger } from "../src/participant.js";

const grant = (resource: number) => (): Acquire<number, string> => ({ ok: true, resource });
const refuse = (refusal: string) => (): Acquire<number, string> => ({ ok: false, refusal });

describe("2PC participant ledger", () => {
  it("Prepare holds the resource; a repeat votes yes again without acquiring twice", () => {
    const l = new ParticipantLedger<number>();
    assert.deepEqual(l.prepare("t1", "coord:1", 10, grant(3)), { vote: true, first: true });
    let calls = 0;
    const counted = () => {
      calls++;
      return { ok: true as const, resource: 99 };
    };
    assert.deepEqual(l.prepare("t1", "coord:1", 11, counted), { vote: true, first: false });
    assert.equal(calls, 0, "acquire runs only for a transaction never seen");
    assert.deepEqual(l.get("t1"), { resource: 3, coordinator: "coord:1", at: 10 });
    assert.equal(l.status("t1"), "prepared");
    assert.equal(l.openCount, 1);
  });

  it("a refused Prepare records nothing, so a retry may succeed later", () => {
    const l = new ParticipantLedger<number>();
    assert.deepEqual(l.prepare("t1", "c", 1, refuse("INSUFFICIENT")), {
      vote: false,
      reason: "REFUSED",
      refusal: "INSUFFICIENT",
    });
    assert.equal(l.status("t1"), undefined);
    assert.deepEqual(l.prepare("t1", "c", 2, grant(1)), { vote: true, first: true });
  });

  it("Commit releases the resource once; repeats are acknowledged; Abort after Commit is refused", () => {
    const l = new ParticipantLedger<number>();
    l.prepare("t1", "c", 1, grant(5));
    assert.deepEqual(l.commit("t1"), { ok: true, released: { resource: 5, coordinator: "c", at: 1 } });
    assert.deepEqual(l.commit("t1"), { ok: true });
    assert.deepEqual(l.abort("t1"), { ok: false, reason: "ALREADY_COMMITTED" });
    assert.equal(l.status("t1"), "committed");
    assert.deepEqual(l.prepare("t1", "c", 2, grant(5)), { vote: true, first: false });
  });

  it("Abort releases; Commit after Abort is refused; a late Prepare votes no", () => {
    const l = new ParticipantLedger<number>();
    l.prepare("t1", "c", 1, grant(2));
    assert.deepEqual(l.abort("t1"), { ok: true, released: { resource: 2, coordinator: "c", at: 1 } });
    assert.deepEqual(l.abort("t1"), { ok: true });
    assert.deepEqual(l.commit("t1"), { ok: false, reason: "ALREADY_ABORTED" });
    assert.deepEqual(l.prepare("t1", "c", 2, grant(2)), { vote: false, reason: "ALREADY_ABORTED" });
  });

  it("an Abort that overtakes its Prepare is remembered (presumed abort)", () => {
    const l = new ParticipantLedger<number>();
    assert.deepEqual(l.abort("t9"), { ok: true });
    assert.equal(l.status("t9"), "aborted");
    assert.deepEqual(l.prepare("t9", "c", 1, grant(1)), { vote: false, reason: "ALREADY_ABORTED" });
    assert.deepEqual(l.commit("t-never"), { ok: false, reason: "NOT_PREPARED" });
    assert.equal(l.status("t-never"), undefined, "a refused Commit records nothing");
  });

  it("remembers a bounded number of decisions, oldest forgotten first; open ones are all kept", () => {
    const l = new ParticipantLedger<number>(2);
    l.prepare("open", "c", 0, grant(1));
    for (const tx of ["a", "b", "c"]) l.abort(tx);
    assert.equal(l.status("a"), undefined);
    assert.equal(l.status("b"), "aborted");
    assert.equal(l.status("c"), "aborted");
    assert.equal(l.status("open"), "prepared");
  });

  it("snapshot/restore keeps open and decided transactions; a contradictory image is refused", () => {
    const l = new ParticipantLedger<number>();
    l.prepare("p", "c:1", 5, grant(4));
    l.prepare("k", "c:1", 6, grant(1));
    l.commit("k");
    l.abort("x");
    const copy = new ParticipantLedger<number>();
    copy.restore(JSON.parse(JSON.stringify(l.snapshot())));
    assert.deepEqual(copy.snapshot(), l.snapshot());
    assert.equal(copy.status("p"), "prepared");
    assert.deepEqual(copy.commit("x"), { ok: false, reason: "ALREADY_ABORTED" });
    assert.throws(
      () =>
        copy.restore({
          prepared: [["t", { resource: 1, coordinator: "", at: 0 }]],
          decided: [["t", "aborted"]],
        }),
      InvariantError,
    );
  });

  it("acquire may not change the ledger behind its back", () => {
    const l = new ParticipantLedger<number>();
    assert.throws(
      () =>
        l.prepare("t", "c", 0, () => {
          l.abort("t");
          return { ok: true, resource: 1 };
        }),
      InvariantError,
    );
  });
});

type Op = { kind: "prepare"; tx: number; units: number } | { kind: "commit" | "abort"; tx: number };

const ops = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant("prepare" as const),
      tx: fc.nat(5),
      units: fc.integer({ min: 1, max: 4 }),
    }),
    fc.record({ kind: fc.constantFrom("commit" as const, "abort" as const), tx: fc.nat(5) }),
  ),
  { maxLength: 60 },
);

describe("2PC participant ledger, random interleavings (fast-check)", () => {
  it("units are conserved: free + held + consumed = initial after every step", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), ops, (initial, sequence: Op[]) => {
        const l = new ParticipantLedger<number>();
        let free = initial;
        let consumed = 0;
        for (const op of sequence) {
          const tx = `t${op.tx}`;
          if (op.kind === "prepare") {
            l.prepare(tx, "c", 0, () => {
              if (free < op.units) return { ok: false, refusal: "short" };
              free -= op.units;
              return { ok: true, resource: op.units };
            });
          } else {
            const r = op.kind === "commit" ? l.commit(tx) : l.abort(tx);
            if (r.ok && r.released) {
              if (op.kind === "commit") consumed += r.released.resource;
              else free += r.released.resource;
            }
          }
          const held = [...l.openTransactions()].reduce((sum, [, p]) => sum + p.resource, 0);
          assert.equal(free + held + consumed, initial);
          assert.ok(free >= 0);
        }
      }),
    );
  });

  it("a decision, once taken, never changes, and every answer follows from the state before it", () => {
    fc.assert(
      fc.property(ops, (sequence: Op[]) => {
        const l = new ParticipantLedger<number>();
        const firstDecision = new Map<string, string>();
        for (const op of sequence) {
          const tx = `t${op.tx}`;
          const before = l.status(tx);
          if (op.kind === "prepare") {
            const r = l.prepare(tx, "c", 0, grant(op.units));
            assert.equal(r.vote, before !== "aborted");
            assert.equal(r.vote && r.first, before === undefined);
          } else if (op.kind === "commit") {
            assert.equal(l.commit(tx).ok, before === "prepared" || before === "committed");
          } else {
            assert.equal(l.abort(tx).ok, before !== "committed");
          }
          const after = l.status(tx);
          if (after === "committed" || after === "aborted") {
            const first = firstDecision.get(tx) ?? after;
            firstDecision.set(tx, first);
            assert.equal(after, first);
          }
          for (const [id, d] of firstDecision) assert.equal(l.status(id), d);
        }
      }),
    );
  });
});
