import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  allowedLengths,
  type CardBrand,
  checkCard,
  checkExpiry,
  cvvLength,
  detectBrand,
  expiryEnd,
  luhnCheckDigit,
  luhnValid,
  normalizeCardNumber,
  parseExpiry,
  type Violation,
} from "../src/rules/index.js";

const NOW = new Date("2025-06-15T12:00:00Z");
const GOOD_EXPIRY = "12/30";

/** A Luhn-valid number of `length` digits starting with `prefix` (zero-padded). */
function cardWith(prefix: string, length: number): string {
  const payload = prefix.padEnd(length - 1, "0");
  return payload + luhnCheckDigit(payload);
}

const rulesOf = (vs: Violation[], field?: string) =>
  vs.filter((v) => field === undefined || v.field === field).map((v) => v.rule);

describe("luhnValid", () => {
  it("accepts known-good test numbers", () => {
    for (const n of ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"]) {
      assert.equal(luhnValid(n), true, n);
    }
  });

  it("rejects known-bad numbers", () => {
    assert.equal(luhnValid("1234567890123456"), false);
    assert.equal(luhnValid("4111111111111112"), false);
  });

  it("rejects empty and non-digit input", () => {
    for (const s of ["", " ", "4111 1111 1111 1111", "4111-1111-1111-1111", "abc", "４１１１"]) {
      assert.equal(luhnValid(s), false, JSON.stringify(s));
    }
  });

  it("property: appending the computed check digit makes any digit string valid", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{0,40}$/), (payload) => {
        assert.equal(luhnValid(payload + luhnCheckDigit(payload)), true);
      }),
      { numRuns: 2000 },
    );
  });

  it("property: changing any single digit of a valid number makes it invalid", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{1,30}$/),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (payload, rawPos, delta) => {
          const valid = payload + luhnCheckDigit(payload);
          const pos = rawPos % valid.length;
          const old = Number(valid[pos]);
          const changed = `${valid.slice(0, pos)}${(old + delta) % 10}${valid.slice(pos + 1)}`;
          assert.notEqual(changed, valid);
          assert.equal(luhnValid(changed), false, `${valid} -> ${changed}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("luhnCheckDigit rejects non-digit payloads", () => {
    assert.throws(() => luhnCheckDigit("12a"), TypeError);
  });
});

describe("detectBrand", () => {
  const cases: [string, CardBrand | undefined][] = [
    ["4111111111111111", "visa"],
    ["4", "visa"],
    ["5555555555554444", "mastercard"],
    ["5100000000000000", "mastercard"],
    ["5500000000000000", "mastercard"],
    ["5000000000000000", undefined],
    ["5600000000000000", undefined],
    ["2220999999999999", undefined],
    ["2221000000000000", "mastercard"],
    ["2720999999999999", "mastercard"],
    ["2721000000000000", undefined],
    ["340000000000000", "amex"],
    ["370000000000000", "amex"],
    ["330000000000000", undefined],
    ["6011000000000000", "discover"],
    ["6010000000000000", undefined],
    ["6430000000000000", undefined],
    ["6440000000000000", "discover"],
    ["6490000000000000", "discover"],
    ["6500000000000000", "discover"],
    ["6599999999999999", "discover"],
    ["6221250000000000", "unionpay"],
    ["6221260000000000", "discover"],
    ["6229250000000000", "discover"],
    ["6229260000000000", "unionpay"],
    ["6200000000000000", "unionpay"],
    ["3528000000000000", "jcb"],
    ["3589000000000000", "jcb"],
    ["3527000000000000", undefined],
    ["30000000000000", "diners"],
    ["30500000000000", "diners"],
    ["30600000000000", undefined],
    ["30950000000000", "diners"],
    ["36000000000000", "diners"],
    ["38000000000000", "diners"],
    ["1234567890123456", undefined],
    ["0000000000000000", undefined],
    ["", undefined],
    ["4111x", undefined],
  ];
  for (const [digits, brand] of cases) {
    it(`${digits || "(empty)"} -> ${brand ?? "unknown"}`, () => {
      assert.equal(detectBrand(digits), brand);
    });
  }

  it("knows lengths and CVV lengths per brand", () => {
    assert.deepEqual(allowedLengths("visa"), [13, 16, 19]);
    assert.deepEqual(allowedLengths("mastercard"), [16]);
    assert.deepEqual(allowedLengths("amex"), [15]);
    assert.deepEqual(allowedLengths("discover"), [16, 17, 18, 19]);
    assert.equal(cvvLength("amex"), 4);
    for (const b of ["visa", "mastercard", "discover", "jcb", "diners", "unionpay"] as const) {
      assert.equal(cvvLength(b), 3, b);
    }
  });
});

describe("normalizeCardNumber", () => {
  it("strips spaces and dashes only", () => {
    assert.equal(normalizeCardNumber("4111 1111-1111 1111"), "4111111111111111");
    assert.equal(normalizeCardNumber(" 4111--1111  "), "41111111");
    assert.equal(normalizeCardNumber("4111\t1111.1111/1111"), "4111\t1111.1111/1111");
  });
});

describe("checkCard", () => {
  const ok = (number: string, cvv = "123") => checkCard({ number, expirationDate: GOOD_EXPIRY, cvv }, NOW);

  it("accepts the known-good test cards with their brands", () => {
    assert.deepEqual(ok("4111111111111111"), { violations: [], brand: "visa" });
    assert.deepEqual(ok("5555555555554444"), { violations: [], brand: "mastercard" });
    assert.deepEqual(ok("378282246310005", "1234"), { violations: [], brand: "amex" });
    assert.deepEqual(ok("6011111111111117"), { violations: [], brand: "discover" });
  });

  it("accepts numbers typed with spaces and dashes", () => {
    assert.deepEqual(ok("4111 1111 1111 1111").violations, []);
    assert.deepEqual(ok("4111-1111-1111-1111").violations, []);
    assert.deepEqual(ok("3782-822463-10005", "1234").violations, []);
  });

  it("rejects 0000000000000000 as an invalid number although it passes Luhn", () => {
    assert.equal(luhnValid("0000000000000000"), true);
    const r = ok("0000000000000000");
    assert.ok(rulesOf(r.violations, "creditCard.number").includes("invalid_number"));
    assert.equal(r.brand, undefined);
  });

  it("rejects other all-same-digit numbers that pass Luhn", () => {
    assert.equal(luhnValid("8888888888888888"), true);
    assert.ok(rulesOf(ok("8888888888888888").violations).includes("invalid_number"));
  });

  it("rejects 1234567890123456 (unknown brand and Luhn)", () => {
    const r = ok("1234567890123456");
    assert.deepEqual(rulesOf(r.violations, "creditCard.number").sort(), ["brand", "luhn"]);
  });

  it("rejects a Luhn failure on a known brand", () => {
    const r = ok("4111111111111112");
    assert.equal(r.brand, "visa");
    assert.deepEqual(rulesOf(r.violations), ["luhn"]);
  });

  it("rejects characters other than digits, spaces and dashes", () => {
    for (const n of [
      "4111.1111.1111.1111",
      "4111_1111_1111_1111",
      "4111\t1111111111111",
      "41111111111111a1",
      "４１１１１１１１１１１１１１１１",
    ]) {
      assert.deepEqual(rulesOf(ok(n).violations, "creditCard.number"), ["format"], n);
    }
  });

  it("requires a number", () => {
    assert.deepEqual(rulesOf(ok("").violations), ["required"]);
    assert.deepEqual(rulesOf(ok("  ").violations), ["required"]);
    assert.deepEqual(rulesOf(ok(" - ").violations), ["required"]);
  });

  describe("length per brand", () => {
    const lengthCases: [string, number, boolean][] = [
      ["4", 13, true],
      ["4", 16, true],
      ["4", 19, true],
      ["4", 12, false],
      ["4", 14, false],
      ["4", 15, false],
      ["4", 17, false],
      ["4", 18, false],
      ["4", 20, false],
      ["51", 16, true],
      ["51", 15, false],
      ["51", 17, false],
      ["2221", 16, true],
      ["2720", 19, false],
      ["34", 15, true],
      ["37", 15, true],
      ["37", 14, false],
      ["37", 16, false],
      ["6011", 16, true],
      ["6011", 19, true],
      ["6011", 15, false],
      ["6011", 20, false],
      ["644", 17, true],
      ["65", 18, true],
      ["622126", 16, true],
    ];
    for (const [prefix, length, valid] of lengthCases) {
      it(`${prefix}… with ${length} digits is ${valid ? "valid" : "rejected"}`, () => {
        const number = cardWith(prefix, length);
        const brand = detectBrand(number);
        assert.ok(brand);
        const cvv = "1".repeat(cvvLength(brand));
        const rules = rulesOf(ok(number, cvv).violations);
        assert.deepEqual(rules, valid ? [] : ["length"]);
      });
    }

    it("unknown brands must still be 12..19 digits", () => {
      assert.deepEqual(rulesOf(ok(cardWith("1", 16)).violations), ["brand"]);
      assert.deepEqual(rulesOf(ok(cardWith("1", 11)).violations).sort(), ["brand", "length"]);
      assert.deepEqual(rulesOf(ok(cardWith("1", 20)).violations).sort(), ["brand", "length"]);
    });
  });

  describe("cvv", () => {
    const cvvRules = (number: string, cvv: string) => rulesOf(ok(number, cvv).violations, "creditCard.cvv");
    it("Amex needs 4 digits, others 3", () => {
      assert.deepEqual(cvvRules("378282246310005", "1234"), []);
      assert.deepEqual(cvvRules("378282246310005", "123"), ["length"]);
      assert.deepEqual(cvvRules("4111111111111111", "123"), []);
      assert.deepEqual(cvvRules("4111111111111111", "1234"), ["length"]);
      assert.deepEqual(cvvRules("5555555555554444", "12"), ["length"]);
    });
    it("accepts 3 or 4 digits when the brand is unknown", () => {
      assert.deepEqual(cvvRules("1234567890123456", "123"), []);
      assert.deepEqual(cvvRules("1234567890123456", "1234"), []);
      assert.deepEqual(cvvRules("1234567890123456", "12345"), ["length"]);
    });
    it("requires digits only and a value", () => {
      assert.deepEqual(cvvRules("4111111111111111", "12a"), ["format"]);
      assert.deepEqual(cvvRules("4111111111111111", "1 3"), ["format"]);
      assert.deepEqual(cvvRules("4111111111111111", ""), ["required"]);
      assert.deepEqual(cvvRules("4111111111111111", " 123 "), []);
    });
  });

  it("returns every violation across number, cvv and expiry", () => {
    const r = checkCard({ number: "1234567890123456", expirationDate: "01/20", cvv: "12a" }, NOW);
    assert.deepEqual(r.violations.map((v) => `${v.field}:${v.rule}`).sort(), [
      "creditCard.cvv:format",
      "creditCard.expirationDate:expired",
      "creditCard.number:brand",
      "creditCard.number:luhn",
    ]);
  });

  it("treats missing fields (untyped input) as required", () => {
    const r = checkCard({} as never, NOW);
    assert.deepEqual(
      r.violations.map((v) => `${v.field}:${v.rule}`),
      ["creditCard.number:required", "creditCard.cvv:required", "creditCard.expirationDate:required"],
    );
  });

  it("no violation message ever contains the card number or the CVV", () => {
    const numbers = [
      "4111111111111111",
      "4111 1111 1111 1112",
      "4111-1111-1111-111",
      "0000000000000000",
      "1234567890123456",
      "12345678901234567890123",
      "378282246310005",
      "5555555555554444x",
    ];
    const cvvs = ["987", "9876", "98765", "98x", "98"];
    for (const number of numbers) {
      for (const cvv of cvvs) {
        for (const expirationDate of ["12/30", "01/20", "13/30", "bogus", ""]) {
          const r = checkCard({ number, expirationDate, cvv }, NOW);
          for (const v of r.violations) {
            for (const secret of [number, normalizeCardNumber(number), cvv]) {
              assert.ok(!v.message.includes(secret), `message ${JSON.stringify(v.message)} leaks ${secret}`);
            }
          }
        }
      }
    }
  });

  it("property: messages never contain the number's digits or the CVV", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\d -]{8,24}$/), fc.stringMatching(/^\d{3,5}$/), (number, cvv) => {
        const digits = normalizeCardNumber(number);
        const r = checkCard({ number, expirationDate: "12/30", cvv }, NOW);
        for (const v of r.violations) {
          assert.ok(!v.message.includes(cvv), v.message);
          if (digits.length >= 6) assert.ok(!v.message.includes(digits), v.message);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("parseExpiry / checkExpiry", () => {
  const rules = (raw: string, now = NOW) => rulesOf(checkExpiry(raw, now));

  it("parses MM/YY and MM/YYYY", () => {
    assert.deepEqual(parseExpiry("12/30"), { ok: true, expiry: { month: 12, year: 2030 } });
    assert.deepEqual(parseExpiry("01/2031"), { ok: true, expiry: { month: 1, year: 2031 } });
    assert.deepEqual(parseExpiry("  07/27 "), { ok: true, expiry: { month: 7, year: 2027 } });
  });

  it("rejects every other format", () => {
    for (const raw of [
      "1/30",
      "01/3",
      "01/030",
      "01/20300",
      "01-30",
      "01 / 30",
      "0130",
      "ab/cd",
      "01/3O",
      "12/30/2030",
      "１２/３０",
    ]) {
      assert.deepEqual(rules(raw), ["format"], raw);
    }
  });

  it("requires a value", () => {
    assert.deepEqual(rules(""), ["required"]);
    assert.deepEqual(rules("   "), ["required"]);
  });

  it("month must be 01-12", () => {
    assert.deepEqual(rules("00/30"), ["month"]);
    assert.deepEqual(rules("13/30"), ["month"]);
    assert.deepEqual(rules("99/2030"), ["month"]);
    assert.deepEqual(rules("01/30"), []);
    assert.deepEqual(rules("12/30"), []);
  });

  it("a card is valid through the last instant of its month (UTC)", () => {
    assert.deepEqual(rules("12/30", new Date("2030-12-31T23:59:59.999Z")), []);
    assert.deepEqual(rules("12/2030", new Date("2030-12-31T23:59:00Z")), []);
    assert.deepEqual(rules("12/30", new Date("2031-01-01T00:00:00Z")), ["expired"]);
    assert.deepEqual(rules("12/2030", new Date("2031-01-01T00:00:00Z")), ["expired"]);
    assert.equal(expiryEnd({ month: 12, year: 2030 }).toISOString(), "2031-01-01T00:00:00.000Z");
  });

  it("uses UTC, not the offset of the instant", () => {
    // 23:30 on Dec 31 in UTC-5 is already January in UTC.
    assert.deepEqual(rules("12/30", new Date("2030-12-31T23:30:00-05:00")), ["expired"]);
    // 00:30 on Jan 1 in UTC+2 is still December in UTC.
    assert.deepEqual(rules("12/30", new Date("2031-01-01T00:30:00+02:00")), []);
  });

  it("the current month is still valid, the previous one is expired", () => {
    assert.deepEqual(rules("06/25"), []);
    assert.deepEqual(rules("05/25"), ["expired"]);
    assert.deepEqual(rules("12/24"), ["expired"]);
    assert.deepEqual(rules("06/0025"), ["expired"]);
  });

  it("February ends on the last day regardless of leap years", () => {
    assert.deepEqual(rules("02/28", new Date("2028-02-29T23:59:59Z")), []);
    assert.deepEqual(rules("02/28", new Date("2028-03-01T00:00:00Z")), ["expired"]);
    assert.deepEqual(rules("02/27", new Date("2027-02-28T23:59:59Z")), []);
    assert.deepEqual(rules("02/27", new Date("2027-03-01T00:00:00Z")), ["expired"]);
  });

  it("rejects dates more than 20 years ahead", () => {
    assert.deepEqual(rules("06/45"), []);
    assert.deepEqual(rules("06/2045"), []);
    assert.deepEqual(rules("07/45"), ["too_far"]);
    assert.deepEqual(rules("12/99"), ["too_far"]);
    assert.deepEqual(rules("01/9999"), ["too_far"]);
  });

  it("uses the given field name and rejects an invalid `now`", () => {
    assert.equal(checkExpiry("13/30", NOW, "x.y")[0]?.field, "x.y");
    assert.throws(() => checkExpiry("12/30", new Date("nope")), RangeError);
  });
});
