import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type GraphEvent, runEventGraph } from "../src/event-graph.js";

type Log = string[];

function event(
  name: string,
  dependsOn: string[],
  log: Log,
  behaviour: { ms?: number; ok?: boolean; throws?: boolean; optional?: boolean } = {},
): GraphEvent<string> {
  return {
    name,
    dependsOn,
    ...(behaviour.optional ? { optional: true } : {}),
    run: (signal) =>
      new Promise((resolve, reject) => {
        log.push(`start ${name}`);
        const timer = setTimeout(() => {
          log.push(`end ${name}`);
          if (behaviour.throws) reject(new Error(`${name} broke`));
          else resolve({ ok: behaviour.ok ?? true, value: name });
        }, behaviour.ms ?? 1);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          log.push(`cancelled ${name}`);
          reject(new Error("aborted"));
        });
      }),
  };
}

// The checkout graph of ARCHITECTURE.md step 2.
const shape: Record<string, string[]> = { a: [], b: [], c: ["a"], d: ["b"], e: ["c", "d"], f: ["e"] };

describe("event graph", () => {
  it("runs events after their dependencies, independent ones concurrently", async () => {
    const log: Log = [];
    const events = Object.entries(shape).map(([n, deps]) => event(n, deps, log, { ms: n === "a" ? 20 : 5 }));
    const result = await runEventGraph(events);
    assert.equal(result.firstFailure, undefined);
    assert.ok([...result.outcomes.values()].every((o) => o.status === "ok"));
    const at = (s: string) => log.indexOf(s);
    assert.ok(at("start b") < at("end a"), "b runs while a is in flight");
    assert.ok(at("start d") < at("end a"), "d only waits for b");
    assert.ok(at("start c") > at("end a"));
    assert.ok(at("start e") > at("end c") && at("start e") > at("end d"));
    assert.ok(at("start f") > at("end e"));
  });

  it("the first failure cancels calls in flight and skips the rest", async () => {
    const log: Log = [];
    const events = [
      event("a", [], log, { ms: 1 }),
      event("b", [], log, { ms: 5, ok: false }),
      event("c", ["a"], log, { ms: 200 }),
      event("d", ["b"], log),
      event("e", ["c", "d"], log),
    ];
    const result = await runEventGraph(events);
    assert.equal(result.firstFailure, "b");
    assert.equal(result.outcomes.get("b")?.status, "rejected");
    assert.equal(result.outcomes.get("c")?.status, "cancelled");
    assert.equal(result.outcomes.get("d")?.status, "skipped");
    assert.equal(result.outcomes.get("e")?.status, "skipped");
    assert.ok(log.includes("cancelled c"));
  });

  it("reports every failure that came back, even after the first one", async () => {
    // b's reply is already on its way when a fails: it ignores the abort, and its reasons count.
    const lateReply: GraphEvent<string> = {
      name: "b",
      dependsOn: [],
      run: () => new Promise((resolve) => setTimeout(() => resolve({ ok: false, value: "b reasons" }), 10)),
    };
    const result = await runEventGraph([event("a", [], [], { ms: 1, ok: false }), lateReply]);
    assert.equal(result.firstFailure, "a");
    assert.equal(result.outcomes.get("a")?.status, "rejected");
    assert.deepEqual(result.outcomes.get("b"), {
      ...result.outcomes.get("b"),
      status: "rejected",
      value: "b reasons",
    });
  });

  it("an optional event's failure cancels nothing", async () => {
    const log: Log = [];
    const result = await runEventGraph([
      event("e", [], log, { ms: 1 }),
      event("f", ["e"], log, { throws: true, optional: true }),
      event("g", [], log, { ms: 30 }),
    ]);
    assert.equal(result.firstFailure, undefined);
    assert.equal(result.outcomes.get("f")?.status, "error");
    assert.equal(result.outcomes.get("g")?.status, "ok");
  });

  it("rejects a graph with an unknown dependency", async () => {
    await assert.rejects(runEventGraph([event("a", ["zz"], [])]), /unknown zz/);
  });
});
