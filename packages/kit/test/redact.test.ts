import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cardSafeId, createLogger, looksLikeCardNumber, REDACTED, redactCardData } from "../src/index.js";

describe("card data never reaches a log line", () => {
  it("redacts card numbers in any common format", () => {
    for (const pan of [
      "4111111111111111",
      "4111 1111 1111 1111",
      "4111-1111-1111-1111",
      "378282246310005",
      "6011111111111117",
    ]) {
      const out = redactCardData(`{"msg":"paid with ${pan} today"}`);
      assert.ok(!out.includes(pan), out);
      assert.ok(out.includes(REDACTED));
    }
  });

  it("redacts security codes and card-number fields whatever their value", () => {
    const out = redactCardData('{"cvv":"123","card":{"CVC":987,"cardNumber":"x"}}');
    assert.equal(out, `{"cvv":"${REDACTED}","card":{"CVC":"${REDACTED}","cardNumber":"${REDACTED}"}}`);
  });

  it("leaves ordinary values alone", () => {
    const line =
      '{"time":"2026-11-27T07:00:00.000Z","orderId":"e57d8934-676d-4ecb-ac18-05e69b7a9083","port":50051,"total":4999}';
    assert.equal(redactCardData(line), line);
  });

  it("the logger scrubs messages, fields and errors", () => {
    const lines: string[] = [];
    const logger = createLogger({ service: "t", destination: { write: (l) => lines.push(l) } });
    logger.info({ creditCard: { number: "5555555555554444", cvv: "321" } }, "card 5555 5555 5555 4444");
    logger.error({ err: new Error("declined 5555555555554444") }, "failed");
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.ok(!/5555\D?5555\D?5555\D?4444/.test(line), line);
      assert.ok(!line.includes("321"), line);
      assert.equal(JSON.parse(line).service, "t");
    }
  });
});

describe("card-safe generated ids", () => {
  it("a run of 13 digits, even across a UUID's dashes, looks like a card number", () => {
    assert.equal(looksLikeCardNumber("41111111-1111-1111-aaaa-bbbbbbbbbbbb"), true);
    assert.equal(looksLikeCardNumber("4111111111111111"), true);
    assert.equal(looksLikeCardNumber("4111111a-1111-1111-aaaa-bbbbbbbbbbbb"), false);
    assert.equal(looksLikeCardNumber("123456789012"), false);
  });

  it("cardSafeId takes the first attempt that does not look like one", () => {
    const tries: number[] = [];
    const id = cardSafeId((attempt) => {
      tries.push(attempt);
      return attempt < 2 ? `12345678-1234-5${attempt}` : "1234-abcd";
    });
    assert.equal(id, "1234-abcd");
    assert.deepEqual(tries, [0, 1, 2]);
  });
});
