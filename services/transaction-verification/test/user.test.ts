import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkUser,
  isValidEmail,
  isValidPhone,
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
} from "../src/rules/index.js";

const rules = (name: string, contact: string) =>
  checkUser({ name, contact })
    .map((v) => `${v.field}:${v.rule}`)
    .sort();

describe("checkUser: name", () => {
  it("accepts ordinary names, including non-Latin scripts", () => {
    for (const name of ["Ada Lovelace", "Jüri Õun", "O'Brien-Smith", "李小龙", "Test User", "X Æ A-12"]) {
      assert.deepEqual(rules(name, "ada@example.com"), [], name);
    }
  });

  it("requires a name", () => {
    assert.deepEqual(rules("", "ada@example.com"), ["user.name:required"]);
    assert.deepEqual(rules("   ", "ada@example.com"), ["user.name:required"]);
  });

  it("requires at least one letter", () => {
    assert.deepEqual(rules("12345", "ada@example.com"), ["user.name:format"]);
    assert.deepEqual(rules("---", "ada@example.com"), ["user.name:format"]);
  });

  it("caps the trimmed length at 100 characters (code points)", () => {
    assert.deepEqual(rules(` ${"a".repeat(MAX_NAME_LENGTH)} `, "ada@example.com"), []);
    assert.deepEqual(rules(`${"😀".repeat(MAX_NAME_LENGTH - 1)}a`, "ada@example.com"), []);
    assert.deepEqual(rules("a".repeat(MAX_NAME_LENGTH + 1), "ada@example.com"), ["user.name:length"]);
  });
});

describe("checkUser: contact", () => {
  it("accepts e-mail addresses", () => {
    for (const email of [
      "ada@example.com",
      "test@test.com",
      "first.last+tag@sub.example.co.uk",
      "o'brien@example.ie",
      " ada@example.com ",
    ]) {
      assert.deepEqual(rules("Ada", email), [], email);
    }
  });

  it("accepts phone numbers", () => {
    for (const phone of [
      "+372 5123 4567",
      "(555) 123-4567",
      "+1-555-123-4567",
      "5551234",
      "+123456789012345",
    ]) {
      assert.deepEqual(rules("Ada", phone), [], phone);
    }
  });

  it("rejects anything else", () => {
    for (const contact of [
      "ada",
      "ada@",
      "@example.com",
      "ada@example",
      "ada@@example.com",
      "ada@exa mple.com",
      ".ada@example.com",
      "ada..b@example.com",
      "ada@-example.com",
      "123456",
      "+1234567890123456",
      "++3725123456",
      "5123+4567",
      "call me maybe",
    ]) {
      assert.deepEqual(rules("Ada", contact), ["user.contact:format"], contact);
    }
  });

  it("requires a contact", () => {
    assert.deepEqual(rules("Ada", ""), ["user.contact:required"]);
    assert.deepEqual(rules("", " "), ["user.contact:required", "user.name:required"]);
  });

  it("does not treat substrings such as 'test' as suspicious", () => {
    assert.deepEqual(rules("Test Testerson", "test@testing.test"), []);
  });

  it("enforces e-mail length limits", () => {
    const domain = "@example.com";
    const label = "a".repeat(63);
    const long = `${label}.${label}.${label}.${"a".repeat(MAX_EMAIL_LENGTH - 3 * 64 - domain.length)}${domain}`;
    assert.equal(long.length, MAX_EMAIL_LENGTH);
    assert.equal(isValidEmail(long), false, "local part over 64 characters");
    // Three 63-character labels (the DNS maximum) plus one of 56 and ".com": 254 characters in all.
    const longDomain = `a@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.${"e".repeat(56)}.com`;
    assert.equal(longDomain.length, MAX_EMAIL_LENGTH);
    assert.equal(isValidEmail(longDomain), true);
    assert.equal(isValidEmail(`a${longDomain}`), false);
    assert.equal(isValidEmail(`${"a".repeat(64)}@example.com`), true);
    assert.equal(isValidEmail(`${"a".repeat(65)}@example.com`), false);
  });

  it("phone digit count is 7..15", () => {
    assert.equal(isValidPhone("123 4567"), true);
    assert.equal(isValidPhone("123 456"), false);
    assert.equal(isValidPhone("+1 234 567 890 123 45"), true);
    assert.equal(isValidPhone("+1 234 567 890 123 456"), false);
  });

  it("messages name the field", () => {
    for (const v of checkUser({ name: "", contact: "nope" }))
      assert.ok(v.message.startsWith(v.field), v.message);
  });
});
