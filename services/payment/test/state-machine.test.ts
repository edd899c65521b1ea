// The payment state machine as pure logic: the vault, votes and their reasons, holds captured or
// voided exactly once, refusals, snapshot/restore, and random interleavings checked for "a hold is
// captured iff committed, for the exact amount; nothing stays open after its decision".
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Outcome } from "../src/outcomes.js";
import {
  type Command,
  type CommandResult,
  decodeCommand,
  encodeCommand,
  PaymentStateMachine,
  type PrepareCommand,
} from "../src/state-machine.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1);
const card = { customerId: "c1", brand: "visa", last4: "1111", expiry: "06/2026", sealed: "v1.AAAA" };

function run(s: PaymentStateMachine, c: Command): CommandResult {
  return s.execute(decodeCommand(encodeCommand(c)));
}

function prepare(tx: string, over: Partial<PrepareCommand> = {}): PrepareCommand {
  return {
    op: "prepare",
    tx,
    orderId: `order-${tx}`,
    customerId: "c1",
    method: "credit_card",
    token: "tok_1",
    amountCents: 1500,
    coordinator: "127.0.0.1:1",
    at: T0,
    paymentId: `pay-${tx}`,
    outcome: "APPROVED",
    ...over,
  };
}

function withCard(): PaymentStateMachine {
  const s = new PaymentStateMachine();
  run(s, { op: "tokenize", token: "tok_1", card });
  return s;
}

describe("payment state machine", () => {
  it("tokenize keeps the first card for a token (a retry changes nothing)", () => {
    const s = withCard();
    run(s, { op: "tokenize", token: "tok_1", card: { ...card, sealed: "v1.BBBB" } });
    assert.equal(s.card("tok_1")?.sealed, "v1.AAAA");
  });

  it("an approved Prepare places a hold for the exact amount; repeats answer the same", () => {
    const s = withCard();
    assert.deepEqual(run(s, prepare("t1")), { vote: true, paymentId: "pay-t1" });
    assert.deepEqual(run(s, prepare("t1", { paymentId: "pay-other" })), { vote: true, paymentId: "pay-t1" });
    assert.equal(s.record("t1")?.status, "AUTHORIZED");
    assert.equal(s.record("t1")?.amountCents, 1500);
    assert.deepEqual(
      [...s.openHolds()].map(([tx, h]) => [tx, h.coordinator, h.at]),
      [["t1", "127.0.0.1:1", T0]],
    );
    const other = run(s, prepare("t1", { amountCents: 1501 }));
    assert.equal("vote" in other && !other.vote && other.reason, "TRANSACTION_MISMATCH");
    assert.equal(s.record("t1")?.amountCents, 1500, "a mismatched repeat changes nothing");
  });

  it("declines are recorded with their reason, abort unilaterally, and repeat the same answer", () => {
    const s = withCard();
    for (const outcome of ["DECLINED", "INSUFFICIENT_FUNDS"] as Outcome[]) {
      const tx = `t-${outcome}`;
      const vote = run(s, prepare(tx, { outcome }));
      assert.equal("vote" in vote && !vote.vote && vote.reason, outcome);
      assert.equal(s.record(tx)?.status, "DECLINED");
      const again = run(s, prepare(tx, { outcome: "APPROVED" }));
      assert.equal("vote" in again && !again.vote && again.reason, outcome, "the first answer stands");
      const commit = run(s, { op: "commit", tx, at: T0, confirmationCode: "X" });
      assert.deepEqual("ok" in commit && !commit.ok && commit.reason, "ALREADY_ABORTED");
      const abort = run(s, { op: "abort", tx, at: T0 });
      assert.equal("ok" in abort && abort.ok, true, "aborting a declined attempt is acknowledged");
    }
    assert.equal([...s.openHolds()].length, 0);
  });

  it("refuses an unknown token, another customer's token and an expired card without recording", () => {
    const s = withCard();
    const reason = (r: CommandResult) => ("vote" in r && !r.vote ? r.reason : "yes");
    assert.equal(reason(run(s, prepare("a", { token: "tok_unknown" }))), "INVALID_TOKEN");
    assert.equal(reason(run(s, prepare("b", { customerId: "c2" }))), "CUSTOMER_MISMATCH");
    assert.equal(reason(run(s, prepare("c", { at: Date.UTC(2026, 6, 1) }))), "CARD_EXPIRED");
    assert.equal(reason(run(s, prepare("d", { at: Date.UTC(2026, 6, 1) - 1 }))), "yes", "valid through June");
    assert.equal(reason(run(s, prepare("e", { method: "bank_transfer", token: "" }))), "yes");
    for (const tx of ["a", "b", "c"]) assert.equal(s.record(tx), undefined);
  });

  it("Commit captures once (same receipt on repeats); Abort after Commit is refused", () => {
    const s = withCard();
    run(s, prepare("t1"));
    const first = run(s, { op: "commit", tx: "t1", at: T0 + DAY, confirmationCode: "ABC" });
    const again = run(s, { op: "commit", tx: "t1", at: T0 + 2 * DAY, confirmationCode: "XYZ" });
    assert.deepEqual(first, again);
    assert.equal(s.record("t1")?.confirmationCode, "ABC");
    assert.equal(s.record("t1")?.at, T0 + DAY);
    const abort = run(s, { op: "abort", tx: "t1", at: T0 });
    assert.equal("ok" in abort && !abort.ok && abort.reason, "ALREADY_COMMITTED");
    assert.equal(s.record("t1")?.status, "CAPTURED");
    const unknown = run(s, { op: "commit", tx: "nope", at: T0, confirmationCode: "A" });
    assert.equal("ok" in unknown && !unknown.ok && unknown.reason, "NOT_PREPARED");
  });

  it("Abort voids once; Commit after Abort is refused; an early Abort makes the late Prepare vote no", () => {
    const s = withCard();
    run(s, prepare("t1"));
    assert.equal(s.record("t1")?.status, "AUTHORIZED");
    run(s, { op: "abort", tx: "t1", at: T0 });
    run(s, { op: "abort", tx: "t1", at: T0 + 5 });
    assert.equal(s.record("t1")?.status, "VOIDED");
    assert.equal(s.record("t1")?.at, T0);
    const commit = run(s, { op: "commit", tx: "t1", at: T0, confirmationCode: "A" });
    assert.equal("ok" in commit && !commit.ok && commit.reason, "ALREADY_ABORTED");
    assert.deepEqual(run(s, { op: "abort", tx: "t2", at: T0 }), { ok: true });
    const late = run(s, prepare("t2"));
    assert.equal("vote" in late && !late.vote && late.reason, "ALREADY_ABORTED");
    assert.equal(s.record("t2"), undefined);
  });

  it("snapshot/restore keeps the vault, the records and open holds; list pages by transaction id", () => {
    const s = withCard();
    run(s, prepare("b"));
    run(s, prepare("a", { outcome: "DECLINED" }));
    run(s, prepare("c"));
    run(s, { op: "commit", tx: "c", at: T0, confirmationCode: "C" });
    run(s, { op: "abort", tx: "z", at: T0 });
    const copy = new PaymentStateMachine();
    copy.restore(s.snapshot());
    assert.deepEqual(Buffer.from(copy.snapshot()), Buffer.from(s.snapshot()));
    assert.deepEqual(
      copy.list("", 2).map((r) => r.tx),
      ["a", "b"],
    );
    assert.deepEqual(
      copy.list("b", 2).map((r) => r.tx),
      ["c"],
    );
    run(copy, { op: "commit", tx: "b", at: T0, confirmationCode: "B" });
    assert.equal(copy.record("b")?.status, "CAPTURED", "a hold restored from a snapshot is captured");
    const late = run(copy, prepare("z"));
    assert.equal("vote" in late && !late.vote && late.reason, "ALREADY_ABORTED");
  });
});

const op = fc.oneof(
  fc.record({
    kind: fc.constant("prepare" as const),
    tx: fc.nat(6),
    cents: fc.integer({ min: 1, max: 5000 }),
    outcome: fc.constantFrom<Outcome>("APPROVED", "APPROVED", "DECLINED", "INSUFFICIENT_FUNDS"),
  }),
  fc.record({ kind: fc.constantFrom("commit" as const, "abort" as const), tx: fc.nat(6) }),
);

describe("payment state machine, random interleavings (fast-check)", () => {
  it("captured iff committed after a yes vote, for the prepared amount; open holds are exactly AUTHORIZED", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const s = withCard();
        const prepared = new Map<string, number>();
        const committed = new Set<string>();
        for (const o of ops) {
          const tx = `t${o.tx}`;
          if (o.kind === "prepare") {
            const r = run(s, prepare(tx, { amountCents: o.cents, outcome: o.outcome }));
            if ("vote" in r && r.vote && !prepared.has(tx)) prepared.set(tx, o.cents);
          } else {
            const r = run(
              s,
              o.kind === "commit"
                ? { op: "commit", tx, at: T0, confirmationCode: "C" }
                : { op: "abort", tx, at: T0 },
            );
            if (o.kind === "commit" && "ok" in r && r.ok) committed.add(tx);
          }
        }
        const records = s.list("", 100);
        const open = new Set([...s.openHolds()].map(([tx]) => tx));
        for (const r of records) {
          assert.equal(r.status === "CAPTURED", committed.has(r.tx), `${r.tx} captured iff committed`);
          assert.equal(r.status === "AUTHORIZED", open.has(r.tx));
          if (r.status === "CAPTURED") assert.equal(r.amountCents, prepared.get(r.tx));
        }
        for (const tx of committed) assert.ok(prepared.has(tx), "only a prepared hold is committed");
        const copy = new PaymentStateMachine();
        copy.restore(s.snapshot());
        assert.deepEqual(copy.list("", 100), records);
      }),
    );
  });
});
