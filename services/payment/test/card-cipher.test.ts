// The vault's cryptography: sealed numbers open only with the same key and token, never show the
// number, and tokens are stable per card and customer without revealing either.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CardCipher } from "../src/card-cipher.js";

const NUMBER = "4111111111111111";

describe("card cipher", () => {
  const cipher = new CardCipher("a-vault-key-of-some-length");

  it("seals and opens a card number; every seal is different", () => {
    const token = cipher.tokenFor(NUMBER, "12/2030", "c1");
    const a = cipher.seal(NUMBER, token);
    const b = cipher.seal(NUMBER, token);
    assert.notEqual(a, b, "a fresh IV per seal");
    assert.equal(cipher.open(a, token), NUMBER);
    assert.ok(!a.includes(NUMBER) && !Buffer.from(a).toString("base64").includes("4111111111"));
  });

  it("refuses a sealed number moved to another token, a wrong key, or a tampered ciphertext", () => {
    const token = cipher.tokenFor(NUMBER, "12/2030", "c1");
    const sealed = cipher.seal(NUMBER, token);
    assert.throws(() => cipher.open(sealed, cipher.tokenFor(NUMBER, "12/2030", "c2")));
    assert.throws(() => new CardCipher("another-vault-key-entirely").open(sealed, token));
    const raw = Buffer.from(sealed.slice(3), "base64url");
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    assert.throws(() => cipher.open(`v1.${raw.toString("base64url")}`, token));
    assert.throws(() => cipher.open("v0.abc", token), /unknown format/);
  });

  it("the same card and customer get the same token; another customer, expiry or key another", () => {
    const token = cipher.tokenFor(NUMBER, "12/2030", "c1");
    assert.match(token, /^tok_[A-Za-z0-9_-]{32}$/);
    assert.equal(cipher.tokenFor(NUMBER, "12/2030", "c1"), token);
    assert.notEqual(cipher.tokenFor(NUMBER, "12/2030", "c2"), token);
    assert.notEqual(cipher.tokenFor(NUMBER, "11/2030", "c1"), token);
    assert.notEqual(new CardCipher("another-vault-key-entirely").tokenFor(NUMBER, "12/2030", "c1"), token);
  });
});
