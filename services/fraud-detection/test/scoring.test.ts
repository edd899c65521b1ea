import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  assess,
  binCountry,
  cardSignals,
  combine,
  decide,
  defaultFraudConfig,
  type FraudConfig,
  fraudConfigProblems,
  type RiskSignal,
  tierFor,
  userSignals,
  VelocityTracker,
} from "../src/scoring/index.js";
import { counts, order } from "./support.js";

const MIN = 60_000;
const T0 = 1_750_000_000_000;
const cfg = defaultFraudConfig;

const byCode = (signals: RiskSignal[], code: string) => signals.filter((s) => s.code === code);
/** The weight of the one signal of `code`, or 0 when there is none. */
const weightOf = (signals: RiskSignal[], code: string): number => {
  const found = byCode(signals, code);
  assert.ok(found.length <= 1, `at most one ${code}`);
  return found[0]?.weight ?? 0;
};
const allSignals = (o = order(), c = counts(), config: FraudConfig = cfg) => [
  ...userSignals(o, c, config),
  ...cardSignals(o, c, config),
];
const book = (quantity: number, unitPriceCents = 1000, bookId = "b") => ({
  bookId,
  quantity,
  unitPriceCents,
});

describe("a normal order", () => {
  it("carries no signal and is approved with a score below 0.2", () => {
    const v = new VelocityTracker();
    const o = order();
    v.observe(o, T0);
    const c = v.counts(o, T0);
    const a = assess(allSignals(o, c), cfg.thresholds);
    assert.deepEqual(a.signals, []);
    assert.equal(a.decision, "APPROVE");
    assert.ok(a.score < 0.2, `score ${a.score}`);
  });

  it("a regular customer ordering three times a day for a week stays approved", () => {
    const v = new VelocityTracker();
    let last = assess([], cfg.thresholds);
    for (let day = 0; day < 7; day++) {
      for (const hour of [9, 13, 20]) {
        const o = order();
        const now = T0 + day * 24 * 60 * MIN + hour * 60 * MIN;
        v.observe(o, now);
        last = assess(allSignals(o, v.counts(o, now)), cfg.thresholds);
        assert.equal(last.decision, "APPROVE", JSON.stringify(last));
      }
    }
    assert.ok(last.score < 0.2);
  });

  it("an e-mail containing 'test' or 'fraud' is not suspicious", () => {
    const plain = allSignals(
      order({ email: "reader@example.com" }),
      counts({ contact: { short: 1, long: 1 } }),
    );
    for (const email of [
      "test.fraud@test.example.com",
      "fraud@fraud.test",
      "testtest@example.org",
      "scam.spam@fraudulent.io",
    ]) {
      const signals = allSignals(order({ email }), counts({ contact: { short: 1, long: 1 } }));
      assert.deepEqual(signals, plain, email);
      assert.equal(assess(signals, cfg.thresholds).decision, "APPROVE");
      assert.equal(combine(signals), 0);
    }
  });
});

describe("a card burst", () => {
  it("8 orders with the same card in 5 minutes: the 8th is rejected on card velocity", () => {
    const v = new VelocityTracker();
    const decisions: string[] = [];
    let last = assess([], cfg.thresholds);
    for (let i = 0; i < 8; i++) {
      // Different e-mails and IPs: the card alone must be enough.
      const o = order({ email: `buyer${i}@example.com`, clientIp: `198.51.100.${i}` });
      const now = T0 + i * 40_000; // 8 orders within 4 min 40 s
      v.observe(o, now);
      last = assess(allSignals(o, v.counts(o, now)), cfg.thresholds);
      decisions.push(last.decision);
    }
    assert.deepEqual(decisions, [
      "APPROVE",
      "APPROVE",
      "APPROVE",
      "APPROVE",
      "APPROVE",
      "REVIEW",
      "REVIEW",
      "REJECT",
    ]);
    assert.equal(last.signals[0]?.code, "VELOCITY_CARD");
    assert.match(last.signals[0]?.detail ?? "", /card ending 1111 used for 8 orders in 10 min/);
  });

  it("retried observations of the same orders do not make a burst", () => {
    const v = new VelocityTracker();
    const orders = [order(), order(), order()];
    for (let retry = 0; retry < 5; retry++) for (const o of orders) v.observe(o, T0 + retry);
    const o = orders[2] ?? order();
    assert.equal(v.counts(o, T0 + 10).card.short, 3);
    assert.equal(assess(allSignals(o, v.counts(o, T0 + 10)), cfg.thresholds).decision, "APPROVE");
  });
});

describe("velocity signals trigger strictly above each tier of the default config", () => {
  const cases = [
    { dimension: "card", code: "VELOCITY_CARD", signals: cardSignals },
    { dimension: "contact", code: "VELOCITY_EMAIL", signals: userSignals },
    { dimension: "ip", code: "VELOCITY_IP", signals: userSignals },
  ] as const;
  for (const { dimension, code, signals } of cases) {
    for (const limit of cfg.velocity[dimension]) {
      for (const tier of limit.tiers) {
        it(`${code} ${limit.window}: ${tier.above} → below ${tier.weight}, ${tier.above + 1} → ${tier.weight}`, () => {
          const at = (n: number) =>
            weightOf(signals(order(), counts({ [dimension]: { [limit.window]: n } }), cfg), code);
          assert.ok(at(tier.above) < tier.weight, `at ${tier.above}`);
          assert.equal(at(tier.above + 1), tier.weight, `at ${tier.above + 1}`);
        });
      }
    }
  }

  it("explicit card grades over 10 min: 3 none, 4 moderate, 6 strong, 8 rejecting", () => {
    const w = (n: number) =>
      weightOf(cardSignals(order(), counts({ card: { short: n, long: n } }), cfg), "VELOCITY_CARD");
    assert.deepEqual([3, 4, 5, 6, 7, 8].map(w), [0, 0.3, 0.3, 0.7, 0.7, 0.9]);
  });

  it("one signal per dimension, the strongest window, described with its window", () => {
    const s = cardSignals(order(), counts({ card: { short: 4, long: 21 } }), cfg);
    assert.deepEqual(byCode(s, "VELOCITY_CARD"), [
      {
        code: "VELOCITY_CARD",
        weight: 0.7,
        detail: "card ending 1111 used for 21 orders in 24 h (more than 20)",
      },
    ]);
  });

  it("contact velocity is named after the contact: e-mail or phone; none without a contact", () => {
    const c = counts({ contact: { short: 9 } });
    const { email: _email, ...noEmail } = order();
    assert.equal(weightOf(userSignals(order(), c, cfg), "VELOCITY_EMAIL"), 0.6);
    assert.equal(weightOf(userSignals({ ...noEmail, phone: "+15555550100" }, c, cfg), "VELOCITY_PHONE"), 0.6);
    assert.deepEqual(
      userSignals(noEmail, c, cfg).filter((s) => s.code.startsWith("VELOCITY_")),
      [],
    );
  });
});

describe("amount and quantity signals", () => {
  const amountWeight = (cents: number) =>
    weightOf(userSignals(order({ lines: [book(1, cents)] }), counts(), cfg), "AMOUNT_HIGH");

  it("AMOUNT_HIGH: none at $500.00, moderate above, strong above $2000.00", () => {
    assert.equal(amountWeight(50_000), 0);
    assert.equal(amountWeight(50_001), 0.3);
    assert.equal(amountWeight(200_000), 0.3);
    assert.equal(amountWeight(200_001), 0.6);
  });

  it("AMOUNT_HIGH sums every line, quantity included", () => {
    const s = userSignals(order({ lines: [book(5, 6_000, "x"), book(4, 5_000, "y")] }), counts(), cfg);
    assert.deepEqual(byCode(s, "AMOUNT_HIGH"), [], "5 × $60 + 4 × $50 is exactly $500");
    const t = userSignals(order({ lines: [book(5, 6_000, "x"), book(5, 5_000, "y")] }), counts(), cfg);
    assert.deepEqual(byCode(t, "AMOUNT_HIGH"), [
      { code: "AMOUNT_HIGH", weight: 0.3, detail: "order total $550.00 is above $500.00" },
    ]);
  });

  const quantityWeight = (lines: ReturnType<typeof book>[]) =>
    weightOf(userSignals(order({ lines }), counts(), cfg), "QUANTITY_HIGH");
  const spread = (total: number) =>
    Array.from({ length: Math.ceil(total / 10) }, (_, i) => book(Math.min(10, total - i * 10), 100, `b${i}`));

  it("QUANTITY_HIGH by total: none at 20 books, moderate at 21, strong above 50", () => {
    assert.equal(quantityWeight(spread(20)), 0);
    assert.equal(quantityWeight(spread(21)), 0.25);
    assert.equal(quantityWeight(spread(50)), 0.25);
    assert.equal(quantityWeight(spread(51)), 0.5);
  });

  it("QUANTITY_HIGH by one line: none at 10 copies, moderate at 11, stronger above 30", () => {
    assert.equal(quantityWeight([book(10)]), 0);
    assert.equal(quantityWeight([book(11)]), 0.2);
    assert.equal(quantityWeight([book(30)]), 0.25, "30 copies: the total tier (above 20) is stronger");
    assert.equal(quantityWeight([book(31)]), 0.4);
  });

  it("QUANTITY_HIGH is one signal, the stronger of total and line, saying which", () => {
    const s = userSignals(order({ lines: [book(31)] }), counts(), cfg);
    assert.deepEqual(byCode(s, "QUANTITY_HIGH"), [
      { code: "QUANTITY_HIGH", weight: 0.4, detail: "31 copies of one book (more than 30)" },
    ]);
    const t = userSignals(order({ lines: spread(21) }), counts(), cfg);
    assert.deepEqual(byCode(t, "QUANTITY_HIGH"), [
      { code: "QUANTITY_HIGH", weight: 0.25, detail: "21 books in the order (more than 20)" },
    ]);
  });

  it("lines with negative or non-finite numbers count as nothing", () => {
    const s = userSignals(
      order({ lines: [book(-50, 1_000_000), book(Number.NaN, 1), book(1, Number.POSITIVE_INFINITY)] }),
      counts(),
      cfg,
    );
    assert.deepEqual(s, []);
  });
});

describe("billing country signals", () => {
  const risky: FraudConfig = { ...cfg, highRiskCountries: ["aq", "XK"] };

  it("BILLING_COUNTRY_HIGH_RISK for a listed country (any case), not for others, not by default", () => {
    assert.equal(
      weightOf(userSignals(order({ billingCountry: "AQ" }), counts(), risky), "BILLING_COUNTRY_HIGH_RISK"),
      0.35,
    );
    assert.equal(
      weightOf(userSignals(order({ billingCountry: "xk" }), counts(), risky), "BILLING_COUNTRY_HIGH_RISK"),
      0.35,
    );
    assert.equal(
      weightOf(userSignals(order({ billingCountry: "US" }), counts(), risky), "BILLING_COUNTRY_HIGH_RISK"),
      0,
    );
    assert.equal(
      weightOf(userSignals(order({ billingCountry: "AQ" }), counts(), cfg), "BILLING_COUNTRY_HIGH_RISK"),
      0,
    );
  });

  it("BILLING_COUNTRY_UNKNOWN when missing or not an alpha-2 code", () => {
    for (const c of ["", "  ", "USA", "U", "1A"]) {
      assert.equal(
        weightOf(userSignals(order({ billingCountry: c }), counts(), cfg), "BILLING_COUNTRY_UNKNOWN"),
        0.15,
        c,
      );
    }
    for (const c of ["US", "us", " ee "]) {
      assert.equal(
        weightOf(userSignals(order({ billingCountry: c }), counts(), cfg), "BILLING_COUNTRY_UNKNOWN"),
        0,
        c,
      );
    }
  });

  it("an unknown billing country alone stays approved", () => {
    assert.equal(assess(allSignals(order({ billingCountry: "" })), cfg.thresholds).decision, "APPROVE");
  });
});

describe("BIN country", () => {
  const withBin = (bin: string, billingCountry: string) =>
    order({ billingCountry, card: { fingerprint: "f", bin, last4: "0000", brand: "" } });

  it("maps the sample ranges, by longest prefix", () => {
    assert.equal(binCountry("411111"), "US");
    assert.equal(binCountry("555555"), "US");
    assert.equal(binCountry("378282"), "US");
    assert.equal(binCountry("601111"), "US");
    assert.equal(binCountry("457110"), "DK");
    assert.equal(binCountry("35301113"), "JP", "8-digit BINs too");
    const table = { "4": "US", "4571": "DK", "457123": "SE" };
    assert.equal(binCountry("412345", table), "US");
    assert.equal(binCountry("457199", table), "DK");
    assert.equal(binCountry("457123", table), "SE");
  });

  it("is undefined for unknown or malformed BINs", () => {
    for (const bin of ["999999", "", "41111", "411111111", "41111a", "constructor", "__proto__"]) {
      assert.equal(binCountry(bin), undefined, bin);
    }
  });

  it("BIN_COUNTRY_MISMATCH only when both countries are known and differ", () => {
    const w = (bin: string, billing: string) =>
      weightOf(cardSignals(withBin(bin, billing), counts(), cfg), "BIN_COUNTRY_MISMATCH");
    assert.equal(w("457100", "US"), 0.35);
    assert.equal(w("411111", "DK"), 0.35);
    assert.equal(w("457100", "DK"), 0);
    assert.equal(w("457100", "dk"), 0);
    assert.equal(w("999999", "US"), 0, "unknown BIN: no signal");
    assert.equal(w("", "US"), 0, "no BIN: no signal");
    assert.equal(w("411111", ""), 0, "unknown billing country: no mismatch claimed");
    assert.deepEqual(byCode(cardSignals(withBin("457100", "US"), counts(), cfg), "BIN_COUNTRY_MISMATCH"), [
      { code: "BIN_COUNTRY_MISMATCH", weight: 0.35, detail: "card issued in DK, billing country US" },
    ]);
  });
});

describe("combine (noisy-OR)", () => {
  const weight = fc.double({ min: 0, max: 1, noNaN: true });
  const signal = weight.map((w): RiskSignal => ({ code: "S", weight: w, detail: "" }));
  const signals = fc.array(signal, { maxLength: 20 });

  it("known values", () => {
    assert.equal(combine([]), 0);
    assert.equal(combine([{ code: "A", weight: 1, detail: "" }]), 1);
    assert.ok(Math.abs(combine([{ code: "A", weight: 0.3, detail: "" }]) - 0.3) < 1e-12);
    const two = combine([
      { code: "A", weight: 0.5, detail: "" },
      { code: "B", weight: 0.5, detail: "" },
    ]);
    assert.ok(Math.abs(two - 0.75) < 1e-12);
  });

  it("property: the score is in [0,1]", () => {
    fc.assert(
      fc.property(signals, (ss) => {
        const s = combine(ss);
        assert.ok(s >= 0 && s <= 1, String(s));
      }),
    );
  });

  it("property: adding a signal never lowers the score, and never lowers it below that signal", () => {
    fc.assert(
      fc.property(signals, signal, fc.nat(), (ss, extra, at) => {
        const i = at % (ss.length + 1);
        const more = [...ss.slice(0, i), extra, ...ss.slice(i)];
        assert.ok(combine(more) >= combine(ss));
        assert.ok(combine(more) >= combine([extra]));
      }),
    );
  });

  it("property: the order of the signals does not matter, exactly", () => {
    fc.assert(
      fc.property(
        signals.chain((ss) => fc.tuple(fc.constant(ss), fc.shuffledSubarray(ss, { minLength: ss.length }))),
        ([ss, shuffled]) => {
          assert.equal(combine(shuffled), combine(ss));
        },
      ),
    );
  });

  it("property: out-of-range and NaN weights are clamped, never escaping [0,1]", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double().map((w): RiskSignal => ({ code: "S", weight: w, detail: "" }))),
        (ss) => {
          const s = combine(ss);
          assert.ok(s >= 0 && s <= 1, String(s));
        },
      ),
    );
  });
});

describe("decide and assess", () => {
  const t = cfg.thresholds;
  const below = (x: number) => x - Number.EPSILON;

  it("decides at the threshold boundaries", () => {
    assert.equal(decide(0, t), "APPROVE");
    assert.equal(decide(below(0.5), t), "APPROVE");
    assert.equal(decide(0.5, t), "REVIEW");
    assert.equal(decide(below(0.8), t), "REVIEW");
    assert.equal(decide(0.8, t), "REJECT");
    assert.equal(decide(1, t), "REJECT");
    assert.equal(decide(Number.NaN, t), "REVIEW", "never approve what could not be scored");
  });

  it("uses the configured thresholds", () => {
    const strict = { reviewAt: 0.2, rejectAt: 0.4 };
    assert.equal(decide(0.19, strict), "APPROVE");
    assert.equal(decide(0.2, strict), "REVIEW");
    assert.equal(decide(0.4, strict), "REJECT");
    assert.equal(decide(0.3, { reviewAt: 0.3, rejectAt: 0.3 }), "REJECT");
  });

  it("property: decisions are monotone in the score", () => {
    const rank = { APPROVE: 0, REVIEW: 1, REJECT: 2 } as const;
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          assert.ok(rank[decide(lo, t)] <= rank[decide(hi, t)]);
        },
      ),
    );
  });

  it("assess: score, decision, and the signals strongest first without changing the input", () => {
    const input: RiskSignal[] = [
      { code: "A", weight: 0.3, detail: "a" },
      { code: "B", weight: 0.6, detail: "b" },
      { code: "C", weight: 0.3, detail: "c" },
    ];
    const a = assess(input, t);
    assert.deepEqual(
      a.signals.map((s) => s.code),
      ["B", "A", "C"],
    );
    assert.deepEqual(
      input.map((s) => s.code),
      ["A", "B", "C"],
    );
    assert.ok(Math.abs(a.score - (1 - 0.7 * 0.4 * 0.7)) < 1e-12);
    assert.equal(a.decision, "REJECT");
  });

  it("one moderate signal stays below review; two make a review", () => {
    const amount = allSignals(order({ lines: [book(1, 60_000)] }));
    assert.equal(assess(amount, t).decision, "APPROVE");
    const both = allSignals(
      order({ lines: [book(1, 60_000)], card: { fingerprint: "f", bin: "457100", last4: "1", brand: "" } }),
    );
    assert.deepEqual(both.map((s) => s.code).sort(), ["AMOUNT_HIGH", "BIN_COUNTRY_MISMATCH"]);
    assert.equal(assess(both, t).decision, "REVIEW");
  });
});

describe("config", () => {
  it("the defaults are valid, and every signal weight of it is in (0,1]", () => {
    assert.deepEqual(fraudConfigProblems(cfg), []);
    assert.deepEqual(cfg.thresholds, { reviewAt: 0.5, rejectAt: 0.8 });
  });

  it("names what is wrong in a bad config", () => {
    const bad: FraudConfig = {
      ...cfg,
      thresholds: { reviewAt: 0.9, rejectAt: 0.5 },
      amountCents: [{ above: 100, weight: 0 }],
      weights: { ...cfg.weights, unknownCountry: 1.5 },
      highRiskCountries: ["USA"],
    };
    const problems = fraudConfigProblems(bad);
    assert.equal(problems.length, 4, problems.join("\n"));
  });

  it("tierFor picks the strongest tier strictly exceeded", () => {
    const tiers = [
      { above: 10, weight: 0.2 },
      { above: 5, weight: 0.1 },
    ];
    assert.equal(tierFor(5, tiers), undefined);
    assert.equal(tierFor(6, tiers)?.weight, 0.1);
    assert.equal(tierFor(11, tiers)?.weight, 0.2);
  });
});
