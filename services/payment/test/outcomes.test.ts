// The simulated card network and bank: test cards always answer the same, other attempts are
// approved at the documented rates, and the answer is a function of (seed, transaction id).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { luhnValid } from "@bookstore/transaction-verification/rules/luhn";
import { APPROVAL_RATE, authorize, outcomeRoll, TEST_CARDS } from "../src/outcomes.js";

const ORDINARY_CARD = "4242424242424242";

describe("simulated authorisation outcomes", () => {
  it("test cards are valid numbers and answer the same whatever the roll", () => {
    for (const [number, outcome] of Object.entries(TEST_CARDS)) {
      assert.ok(luhnValid(number), `${number} passes Luhn`);
      for (const roll of [0, 0.5, 0.96, 0.999999])
        assert.equal(authorize("credit_card", number, roll), outcome);
    }
    assert.equal(TEST_CARDS["4111111111111111"], "APPROVED");
    assert.equal(TEST_CARDS["4000000000000002"], "DECLINED");
    assert.equal(TEST_CARDS["4000000000009995"], "INSUFFICIENT_FUNDS");
  });

  it("the roll is reproducible per (seed, transaction) and differs across seeds", () => {
    assert.equal(outcomeRoll("s", "tx-1"), outcomeRoll("s", "tx-1"));
    assert.notEqual(outcomeRoll("s", "tx-1"), outcomeRoll("s", "tx-2"));
    assert.notEqual(outcomeRoll("s", "tx-1"), outcomeRoll("t", "tx-1"));
    // The separator keeps ("ab", "c") and ("a", "bc") apart.
    assert.notEqual(outcomeRoll("ab", "c"), outcomeRoll("a", "bc"));
  });

  it("other cards are approved about 95% of the time and bank transfers about 90%", () => {
    const n = 20_000;
    for (const method of ["credit_card", "bank_transfer"] as const) {
      let approved = 0;
      for (let i = 0; i < n; i++) {
        const roll = outcomeRoll("bookstore", `tx-${i}`);
        assert.ok(roll >= 0 && roll < 1);
        if (authorize(method, ORDINARY_CARD, roll) === "APPROVED") approved++;
      }
      // Deterministic for this seed; the bound is ~7 standard deviations, so any sane hash passes.
      assert.ok(Math.abs(approved / n - APPROVAL_RATE[method]) < 0.015, `${method}: ${approved / n}`);
    }
    assert.equal(authorize("bank_transfer", "", 0.95), "DECLINED");
    assert.equal(authorize("credit_card", ORDINARY_CARD, 0.94), "APPROVED");
    assert.throws(() => authorize("credit_card", ORDINARY_CARD, 1), RangeError);
  });
});
