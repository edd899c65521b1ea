// Ids the orchestrator generates travel into the executor's Raft log and every log line: none may
// look like a card number (the executor refuses such a payload, the logger scrubs it). About 3 in
// 100 random UUIDs and 24-hex hashes hold a 13-digit run; these ids never do.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { looksLikeCardNumber } from "@bookstore/kit";
import { customerIdOf } from "../src/checkout-order.js";
import { orderIdFor } from "../src/idempotency.js";

describe("generated ids never look like card numbers", () => {
  it("customer ids and idempotent order ids, over 20,000 inputs each; stable; unchanged unless card-like", () => {
    let rehashed = 0;
    for (let i = 0; i < 20_000; i++) {
      const customer = customerIdOf(`shopper+${i}@example.com`);
      const order = orderIdFor(`key-${i}`, { n: i });
      assert.equal(looksLikeCardNumber(customer), false, customer);
      assert.equal(looksLikeCardNumber(order), false, order);
      assert.match(order, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(customerIdOf(` Shopper+${i}@example.com `), customer, "normalised and stable");
      assert.equal(orderIdFor(`key-${i}`, { n: i }), order, "the same key and body, the same order");
      // The id earlier versions derived is kept unless it looks like a card number.
      const earlier = createHash("sha256").update(`shopper+${i}@example.com`).digest("hex").slice(0, 24);
      if (looksLikeCardNumber(earlier)) rehashed++;
      else assert.equal(customer, earlier);
    }
    assert.ok(
      rehashed > 100,
      `${rehashed} of 20,000 first hashes looked like a card number and were redrawn`,
    );
  });
});
