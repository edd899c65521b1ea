// The main safety test: thousands of seeded randomized runs. A failure prints its seed; replay it
// with `npm run sim -- --seed N [--nodes 5]`.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runSeed } from "../src/sim/simulator.js";

function runMany(count: number, start: number, nodes: number): void {
  const failures: string[] = [];
  for (let seed = start; seed < start + count; seed++) {
    const r = runSeed(seed, { nodes });
    if (!r.ok) failures.push(`seed ${seed}: ${r.violation}`);
    if (failures.length >= 3) break;
  }
  assert.deepEqual(failures, [], `replay with: npm run sim -- --seed <N> --nodes ${nodes}`);
}

describe("deterministic simulation", () => {
  it("the same seed replays exactly", () => {
    const a = runSeed(77);
    const b = runSeed(77);
    assert.deepEqual(a, b);
  });

  it("2000 seeds, 3 nodes: no safety, liveness or linearizability violation", () => runMany(2000, 1, 3));
  it("600 seeds, 5 nodes: no safety, liveness or linearizability violation", () => runMany(600, 100_001, 5));
});

describe("liveness check", () => {
  const seeds = [1, 2, 3, 4, 5];

  it("a seed whose network never heals fails: no leader, or calls left unanswered", () => {
    for (const seed of seeds) {
      const r = runSeed(seed, {
        afterHeal: (sim) => {
          for (const id of sim.ids) sim.net.isolate(id, sim.ids);
        },
      });
      assert.equal(r.ok, false, `seed ${seed} passed with every node cut off`);
      assert.match(r.violation ?? "", /liveness: /);
    }
  });

  it("a seed where one member never hears back from the others fails", () => {
    for (const seed of seeds) {
      const r = runSeed(seed, {
        afterHeal: (sim) => {
          // A member of the final configuration (the heal stopped any removed one).
          const cut = sim.ids.find((id) => sim.node(id).up) as string;
          for (const other of sim.ids) if (other !== cut) sim.net.cut(other, cut);
        },
      });
      assert.equal(r.ok, false, `seed ${seed} passed with a member deaf`);
      assert.match(r.violation ?? "", /liveness: /);
    }
  });

  it("after the heal every seed answers clients again, and says how soon", () => {
    for (const seed of seeds) {
      const r = runSeed(seed);
      assert.equal(r.ok, true, r.violation);
      assert.ok(r.stats.recoveryMs >= 0, `seed ${seed}: no call answered after the heal`);
    }
  });
});
