// The space-time diagram's layout: one lane per process, arrows that never point back in time,
// the graph's dependencies drawn in causal order, concurrent events sharing a column.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clockText, spaceTime, type ValidationEvent } from "../../web/src/ops/space-time.js";

/** The clocks of a real checkout: init ×3 in parallel, then a ∥ b, c after a, d after b, e, f. */
const events: ValidationEvent[] = [
  {
    event: "init",
    service: "transaction-verification",
    status: "ok",
    sent: { orchestrator: 1 },
    received: { orchestrator: 1, "transaction-verification": 1 },
  },
  {
    event: "init",
    service: "fraud-detection",
    status: "ok",
    sent: { orchestrator: 2 },
    received: { orchestrator: 2, "fraud-detection": 1 },
  },
  {
    event: "init",
    service: "suggestions",
    status: "ok",
    sent: { orchestrator: 3 },
    received: { orchestrator: 3, suggestions: 1 },
  },
  {
    event: "a:items",
    service: "transaction-verification",
    status: "ok",
    sent: { orchestrator: 4, "transaction-verification": 1, "fraud-detection": 1, suggestions: 1 },
    received: { orchestrator: 4, "transaction-verification": 2, "fraud-detection": 1, suggestions: 1 },
  },
  {
    event: "b:user",
    service: "transaction-verification",
    status: "ok",
    sent: { orchestrator: 5, "transaction-verification": 1, "fraud-detection": 1, suggestions: 1 },
    received: { orchestrator: 5, "transaction-verification": 3, "fraud-detection": 1, suggestions: 1 },
  },
  {
    event: "c:card",
    service: "transaction-verification",
    status: "ok",
    sent: { orchestrator: 6, "transaction-verification": 2, "fraud-detection": 1, suggestions: 1 },
    received: { orchestrator: 6, "transaction-verification": 4, "fraud-detection": 1, suggestions: 1 },
  },
  {
    event: "d:user-fraud",
    service: "fraud-detection",
    status: "ok",
    sent: { orchestrator: 7, "transaction-verification": 3, "fraud-detection": 1, suggestions: 1 },
    received: { orchestrator: 7, "transaction-verification": 3, "fraud-detection": 2, suggestions: 1 },
  },
  {
    event: "e:card-fraud",
    service: "fraud-detection",
    status: "ok",
    sent: { orchestrator: 8, "transaction-verification": 4, "fraud-detection": 2, suggestions: 1 },
    received: { orchestrator: 8, "transaction-verification": 4, "fraud-detection": 3, suggestions: 1 },
  },
  {
    event: "f:suggestions",
    service: "suggestions",
    status: "cancelled",
    sent: { orchestrator: 9, "transaction-verification": 4, "fraud-detection": 3, suggestions: 1 },
  },
];
const tx = {
  history: [
    { phase: "STARTED", at: "2026-12-01T10:00:00.000Z" },
    { phase: "PREPARING", at: "2026-12-01T10:00:00.010Z" },
    { phase: "COMMITTING", at: "2026-12-01T10:00:00.030Z" },
    { phase: "COMMITTED", at: "2026-12-01T10:00:00.045Z" },
  ],
  votes: [
    { participant: "stock", yes: true },
    { participant: "payment", yes: true },
  ],
};

describe("space-time diagram", () => {
  const d = spaceTime(events, tx);

  it("has one lane per process: the orchestrator, each service, then the 2PC coordinator and participants", () => {
    assert.deepEqual(d.lanes, [
      "orchestrator",
      "transaction-verification",
      "fraud-detection",
      "suggestions",
      "order-executor",
      "db-node",
      "payment",
    ]);
  });

  it("every arrow points forward in time and stays inside the diagram", () => {
    for (const a of d.arrows) {
      assert.ok(a.to.column > a.from.column, `${a.label}: ${a.from.column} -> ${a.to.column}`);
      assert.ok(a.to.column < d.columns);
    }
  });

  it("each dependency of the event graph is drawn in causal order", () => {
    const handled = (name: string) => {
      const arrow = d.arrows.find((a) => a.kind === "request" && a.label === name);
      assert.ok(arrow, name);
      return arrow.to.column;
    };
    for (const [from, to] of [
      ["a:items", "c:card"],
      ["b:user", "d:user-fraud"],
      ["c:card", "e:card-fraud"],
      ["d:user-fraud", "e:card-fraud"],
    ] as const) {
      assert.ok(handled(from) < handled(to), `${from} before ${to}`);
    }
  });

  it("labels events with their clocks and marks a call that never answered as broken", () => {
    assert.equal(
      clockText({ orchestrator: 4, "transaction-verification": 2, "fraud-detection": 1 }),
      "FD1 O4 TV2",
    );
    assert.ok(d.marks.some((m) => m.label === clockText(events[3]?.received ?? {})));
    assert.ok(d.marks.some((m) => m.lane === 0 && m.label === "O4" && m.title.includes("FD1 O4 S1 TV1")));
    const f = d.arrows.find((a) => a.label.startsWith("f:suggestions"));
    assert.equal(f?.broken, true);
  });

  it("draws the two-phase commit after validation: prepare to both, two votes, commit to both", () => {
    const lastValidation = Math.max(
      ...d.arrows.filter((a) => a.kind !== "two-phase-commit" && a.to.lane < 4).map((a) => a.to.column),
    );
    const twoPc = d.arrows.filter((a) => a.kind === "two-phase-commit" || a.to.lane >= 4 || a.from.lane >= 4);
    assert.ok(twoPc.every((a) => a.from.column >= lastValidation));
    assert.deepEqual(
      twoPc.map((a) => a.label),
      ["submit", "prepare", "prepare", "yes", "yes", "commit", "commit"],
    );
    assert.ok(d.marks.some((m) => m.label === "COMMITTED" && m.title.includes("+45 ms")));
  });

  it("without a transaction, only the validation lanes", () => {
    assert.equal(spaceTime(events, undefined).lanes.length, 4);
    assert.deepEqual(spaceTime([], undefined), {
      lanes: ["orchestrator"],
      columns: 0,
      marks: [],
      arrows: [],
    });
  });
});
