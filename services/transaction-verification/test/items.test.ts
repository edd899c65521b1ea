import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkItems, type ItemLine, MAX_LINES } from "../src/rules/index.js";

const line = (bookId: string, quantity = 1): ItemLine => ({ bookId, title: `Book ${bookId}`, quantity });
const rules = (lines: readonly ItemLine[], max?: number) =>
  checkItems(lines, max).map((v) => `${v.field}:${v.rule}`);

describe("checkItems", () => {
  it("accepts a normal order", () => {
    assert.deepEqual(checkItems([line("b1", 2), line("b2")]), []);
  });

  it("requires at least one line", () => {
    assert.deepEqual(checkItems([]), [
      { field: "items", rule: "non_empty", message: "items must contain at least one line." },
    ]);
    assert.deepEqual(rules(undefined as never), ["items:non_empty"]);
  });

  it("quantity must be an integer in 1..maxQuantity", () => {
    assert.deepEqual(rules([line("a", 1)]), []);
    assert.deepEqual(rules([line("a", 100)]), []);
    assert.deepEqual(rules([line("a", 0)]), ["items[0].quantity:range"]);
    assert.deepEqual(rules([line("a", -1)]), ["items[0].quantity:range"]);
    assert.deepEqual(rules([line("a", 101)]), ["items[0].quantity:range"]);
    assert.deepEqual(rules([line("a", 1.5)]), ["items[0].quantity:integer"]);
    assert.deepEqual(rules([line("a", Number.NaN)]), ["items[0].quantity:integer"]);
    assert.deepEqual(rules([line("a", Number.POSITIVE_INFINITY)]), ["items[0].quantity:integer"]);
    assert.deepEqual(rules([{ bookId: "a", quantity: "2" as never }]), ["items[0].quantity:integer"]);
  });

  it("honours a custom maxQuantity", () => {
    assert.deepEqual(rules([line("a", 5)], 5), []);
    assert.deepEqual(rules([line("a", 6)], 5), ["items[0].quantity:range"]);
    assert.throws(() => checkItems([line("a")], 0), RangeError);
    assert.throws(() => checkItems([line("a")], 2.5), RangeError);
  });

  it("reports duplicate book ids on the repeated line", () => {
    assert.deepEqual(rules([line("a"), line("b"), line("a"), line(" a ")]), [
      "items[2]:duplicate",
      "items[3]:duplicate",
    ]);
  });

  it("requires a book id and an object per line", () => {
    assert.deepEqual(rules([line(""), null as never, { quantity: 1 } as never]), [
      "items[0].bookId:required",
      "items[1]:format",
      "items[2].bookId:required",
    ]);
  });

  it("allows at most 50 lines", () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => line(`b${i}`));
    assert.deepEqual(rules(many(MAX_LINES)), []);
    assert.deepEqual(rules(many(MAX_LINES + 1)), ["items:too_many"]);
  });

  it("returns every violation, not only the first", () => {
    assert.deepEqual(rules([line("a", 0), line("a", 1000), line("b", 2.5)]), [
      "items[0].quantity:range",
      "items[1]:duplicate",
      "items[1].quantity:range",
      "items[2].quantity:integer",
    ]);
  });
});
