import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type BillingAddressInput,
  checkBillingAddress,
  isValidPostalCode,
  MAX_LENGTHS,
  resolveCountry,
} from "../src/rules/index.js";

const US: BillingAddressInput = {
  street: "1600 Pennsylvania Ave NW",
  city: "Washington",
  state: "DC",
  zip: "20500",
  country: "US",
};

const fieldRules = (address: BillingAddressInput) =>
  checkBillingAddress(address)
    .violations.map((v) => `${v.field}:${v.rule}`)
    .sort();

describe("resolveCountry", () => {
  const cases: [string, string | undefined][] = [
    ["US", "US"],
    ["us", "US"],
    ["USA", "US"],
    ["usa", "US"],
    ["United States", "US"],
    ["united states of america", "US"],
    ["  United   States  ", "US"],
    ["U.S.A.", "US"],
    ["GB", "GB"],
    ["GBR", "GB"],
    ["UK", "GB"],
    ["uk", "GB"],
    ["United Kingdom", "GB"],
    ["Great Britain", "GB"],
    ["england", "GB"],
    ["EE", "EE"],
    ["EST", "EE"],
    ["Estonia", "EE"],
    ["DEU", "DE"],
    ["Germany", "DE"],
    ["germany", "DE"],
    ["CAN", "CA"],
    ["Canada", "CA"],
    ["Netherlands", "NL"],
    ["Czechia", "CZ"],
    ["Czech Republic", "CZ"],
    ["South Korea", "KR"],
    ["Côte d'Ivoire", "CI"],
    ["Cote d'Ivoire", "CI"],
    ["", undefined],
    ["   ", undefined],
    ["XX", undefined],
    ["XYZ", undefined],
    ["840", undefined],
    ["Narnia", undefined],
    ["Europe", undefined],
    // Names of Object.prototype's properties are not countries (issue 10, finding 7).
    ["constructor", undefined],
    ["__proto__", undefined],
    ["toString", undefined],
    ["hasOwnProperty", undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${expected ?? "unknown"}`, () => {
      assert.equal(resolveCountry(input), expected);
    });
  }
});

describe("isValidPostalCode", () => {
  const cases: [string, string[], string[]][] = [
    [
      "US",
      ["12345", "12345-6789", " 20500 "],
      ["1234", "123456", "12345-678", "12345 6789", "ABCDE", "12345-"],
    ],
    [
      "GB",
      ["SW1A 1AA", "sw1a1aa", "EC1A 1BB", "W1A 0AX", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "GIR 0AA"],
      ["SW1A 1A", "12345", "QA1 1AA", "SW1A  1AA", "AAA 1AA", "M1 1CE", "SW1A-1AA"],
    ],
    ["DE", ["10115", "01067"], ["1011", "101155", "D-10115", "10 115"]],
    ["EE", ["10111", "51014"], ["1011", "101111", "EE-10111"]],
    ["CA", ["K1A 0B1", "k1a0b1", "M5V 3L9"], ["K1A 0B", "D1A 0B1", "K1A 0D1", "12345", "K1A-0B1", "W1A 0B1"]],
    ["FR", ["75001", "75 001"], ["7500", "750011", "F-75001"]],
    ["NL", ["1012 AB", "1012AB", "1012ab"], ["1012", "AB 1012", "1012 A"]],
    ["SE", ["114 55", "11455", "SE-114 55"], ["1145", "114 555"]],
    ["FI", ["00100", "FI-00100"], ["0010", "001000"]],
    ["IE", ["D02 X285", "A65F4E2", "d02x285"], ["D02", "D02 X28", "D02-X285"]],
    ["PL", ["00-950", "00950"], ["00-95", "0-0950"]],
    ["JP", ["100-0001", "1000001"], ["100-001"]],
    // Countries without a specific rule: non-empty, at most 12 letters/digits/spaces/dashes.
    ["BR", ["01310-100"], ["", "01310_100", "-01310"]],
    ["ZZ-unknown", ["ABC 123"], ["1234567890123", "12#45"]],
  ];
  for (const [country, valid, invalid] of cases) {
    const code = country.length === 2 ? country : undefined;
    for (const zip of valid) {
      it(`${country}: accepts ${JSON.stringify(zip)}`, () =>
        assert.equal(isValidPostalCode(zip, code), true));
    }
    for (const zip of invalid) {
      it(`${country}: rejects ${JSON.stringify(zip)}`, () =>
        assert.equal(isValidPostalCode(zip, code), false));
    }
  }
});

describe("checkBillingAddress", () => {
  it("accepts a complete address and returns the resolved country", () => {
    assert.deepEqual(checkBillingAddress(US), { violations: [], country: "US" });
    assert.deepEqual(
      checkBillingAddress({ street: "Raekoja plats 1", city: "Tallinn", zip: "10146", country: "Estonia" }),
      { violations: [], country: "EE" },
    );
    assert.deepEqual(
      checkBillingAddress({ street: "10 Downing St", city: "London", zip: "SW1A 2AA", country: "UK" }),
      { violations: [], country: "GB" },
    );
  });

  it("reports every missing required field at once", () => {
    assert.deepEqual(fieldRules({ street: "", city: " ", zip: "", country: "" }), [
      "billingAddress.city:required",
      "billingAddress.country:required",
      "billingAddress.street:required",
      "billingAddress.zip:required",
    ]);
  });

  it("treats missing properties of untyped input as required", () => {
    assert.equal(checkBillingAddress({} as never).violations.length, 4);
  });

  it("requires a state for US and CA only", () => {
    assert.deepEqual(fieldRules({ ...US, state: "" }), ["billingAddress.state:required"]);
    assert.deepEqual(fieldRules({ ...US, state: undefined }), ["billingAddress.state:required"]);
    assert.deepEqual(
      fieldRules({ street: "24 Sussex Dr", city: "Ottawa", zip: "K1M 1M4", country: "Canada" }),
      ["billingAddress.state:required"],
    );
    assert.deepEqual(
      fieldRules({ street: "Unter den Linden 1", city: "Berlin", zip: "10117", country: "DE" }),
      [],
    );
  });

  it("flags an unknown country and then checks the zip loosely", () => {
    const r = checkBillingAddress({ street: "1 Main", city: "Town", zip: "ABC-123", country: "Narnia" });
    assert.deepEqual(r, {
      violations: [
        {
          field: "billingAddress.country",
          rule: "unknown_country",
          message: "billingAddress.country is not a recognised country.",
        },
      ],
    });
    assert.deepEqual(fieldRules({ street: "1 Main", city: "Town", zip: "AB#1", country: "Narnia" }), [
      "billingAddress.country:unknown_country",
      "billingAddress.zip:postal_code",
    ]);
  });

  it("checks the zip against the resolved country", () => {
    assert.deepEqual(fieldRules({ ...US, zip: "SW1A 1AA" }), ["billingAddress.zip:postal_code"]);
    assert.deepEqual(fieldRules({ ...US, country: "United Kingdom", zip: "SW1A 1AA" }), []);
    assert.deepEqual(fieldRules({ ...US, country: "DEU", zip: "1234" }), ["billingAddress.zip:postal_code"]);
  });

  it("caps field lengths", () => {
    assert.deepEqual(fieldRules({ ...US, street: "x".repeat(MAX_LENGTHS.street) }), []);
    assert.deepEqual(fieldRules({ ...US, street: "x".repeat(MAX_LENGTHS.street + 1) }), [
      "billingAddress.street:length",
    ]);
    assert.deepEqual(fieldRules({ ...US, city: "x".repeat(MAX_LENGTHS.city + 1) }), [
      "billingAddress.city:length",
    ]);
    assert.deepEqual(fieldRules({ ...US, state: "x".repeat(MAX_LENGTHS.state + 1) }), [
      "billingAddress.state:length",
    ]);
    assert.deepEqual(fieldRules({ ...US, zip: "1".repeat(MAX_LENGTHS.zip + 1) }), [
      "billingAddress.zip:length",
    ]);
  });

  it("messages name the field", () => {
    for (const v of checkBillingAddress({ street: "", city: "", zip: "x!", country: "Narnia" }).violations) {
      assert.ok(v.message.includes(v.field), v.message);
    }
  });
});
