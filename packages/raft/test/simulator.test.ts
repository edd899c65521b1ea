// The main safety test: thousands of seeded randomized runs. A failure prints its seed; replay it
// with `npm run sim -- --seed N [--nodes 5]`.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkLinearizable, type Operation } from "../src/sim/linearizability.js";
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
          const [cut, ...rest] = sim.ids as [string, ...string[]];
          for (const other of rest) sim.net.cut(other, cut);
        },
      });
      assert.equal(r.ok, false, `seed ${seed} passed with n1 deaf`);
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

describe("linearizability checker", () => {
  const op = (o: Partial<Operation>): Operation => ({
    client: 0,
    key: "k",
    kind: "put",
    value: undefined,
    call: 0,
    ret: 1,
    ...o,
  });

  it("accepts a sequential history and concurrent reorderings", () => {
    const h = [
      op({ kind: "put", value: "a", call: 0, ret: 10 }),
      op({ client: 1, kind: "put", value: "b", call: 5, ret: 15 }),
      op({ client: 2, kind: "get", value: "a", call: 12, ret: 20 }),
    ];
    assert.equal(checkLinearizable(h).ok, true);
  });

  it("rejects a stale read after a completed write", () => {
    const h = [
      op({ kind: "put", value: "a", call: 0, ret: 10 }),
      op({ client: 1, kind: "put", value: "b", call: 11, ret: 15 }),
      op({ client: 2, kind: "get", value: "a", call: 16, ret: 20 }),
    ];
    assert.deepEqual(checkLinearizable(h), { ok: false, key: "k" });
  });

  it("an unacknowledged write may or may not have happened, but not twice", () => {
    const pending = op({ kind: "put", value: "x", call: 0, ret: Number.POSITIVE_INFINITY });
    const w = op({ client: 1, kind: "put", value: "y", call: 1, ret: 2 });
    assert.equal(
      checkLinearizable([pending, w, op({ client: 2, kind: "get", value: "x", call: 3, ret: 4 })]).ok,
      true,
    );
    assert.equal(
      checkLinearizable([pending, w, op({ client: 2, kind: "get", value: "y", call: 3, ret: 4 })]).ok,
      true,
    );
    const flip = [
      pending,
      w,
      op({ client: 2, kind: "get", value: "x", call: 3, ret: 4 }),
      op({ client: 2, kind: "get", value: "y", call: 5, ret: 6 }),
    ];
    assert.equal(checkLinearizable(flip).ok, false);
  });

  it("a read of a never-written value fails", () => {
    assert.equal(checkLinearizable([op({ kind: "get", value: "ghost" })]).ok, false);
  });
});
