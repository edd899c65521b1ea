// The coordinator, the order state machine and both participants in the deterministic simulation:
// 1,000 seeds of crashes, cut-off leaders, lost/duplicated/delayed calls and participant outages
// (`npm run sim:orders -- --seeds N` for a longer soak; a failing seed replays with --seed).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runOrderSeed } from "../src/sim/order-simulator.js";

describe("order execution simulation", { timeout: 180_000 }, () => {
  it("1,000 seeds: every order ends, charged iff stock taken, nothing left held, stock conserved", () => {
    const failures: string[] = [];
    let completed = 0;
    let failed = 0;
    let leaders = 0;
    let startedOnSubmit = 0;
    for (let seed = 1; seed <= 1000; seed++) {
      const r = runOrderSeed(seed);
      if (!r.ok) failures.push(`seed ${seed}: ${r.violation}`);
      completed += r.stats.completed;
      failed += r.stats.failed;
      leaders += r.stats.leaders;
      startedOnSubmit += r.stats.startedOnSubmit;
    }
    assert.deepEqual(failures.slice(0, 5), []);
    // The runs exercised what they are meant to: orders both ways, many changes of leader, and
    // orders started both in their submit entry and by a start entry of their own.
    assert.ok(completed > 3000 && failed > 3000, `${completed} completed, ${failed} failed`);
    assert.ok(leaders > 3000, `${leaders} leaders`);
    const total = completed + failed;
    assert.ok(
      startedOnSubmit > total / 10 && startedOnSubmit < total - total / 10,
      `${startedOnSubmit} of ${total} started by their submit entry`,
    );
  });

  it("a seed replays exactly", () => {
    assert.deepEqual(runOrderSeed(4242), runOrderSeed(4242));
  });
});
