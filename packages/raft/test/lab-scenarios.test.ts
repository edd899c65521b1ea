// The scenarios of the classic Raft lab test suites (6.824 2A–2D), on the deterministic simulator.
// Invariants (election safety, leader completeness, state-machine safety) are checked at every step.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Simulator } from "../src/sim/simulator.js";

const others = (sim: Simulator, id: string) => sim.ids.filter((x) => x !== id);

describe("lab scenarios", () => {
  it("initial election: one leader, and it stays while nothing fails", () => {
    const sim = new Simulator({ faults: false, seed: 11 });
    const l = sim.runUntilLeader(1000);
    assert.ok(l);
    const term = sim.node(l).core.term;
    sim.run(2000);
    assert.equal(sim.leader(), l);
    assert.equal(sim.node(l).core.term, term);
    for (const id of sim.ids) assert.equal(sim.node(id).core.leader, l);
  });

  it("re-election after the leader fails, and the old leader rejoins as follower", () => {
    const sim = new Simulator({ faults: false, seed: 12 });
    const l1 = sim.runUntilLeader() as string;
    sim.crash(l1);
    const l2 = sim.runUntilLeader(1000);
    assert.ok(l2 && l2 !== l1);
    sim.restart(l1);
    sim.run(500);
    assert.equal(sim.leader(), l2);
    assert.equal(sim.node(l1).core.leader, l2);
  });

  it("no quorum, no progress: a leader without a majority commits nothing", () => {
    const sim = new Simulator({ faults: false, seed: 13, nodes: 5 });
    const l = sim.runUntilLeader() as string;
    sim.run(100);
    const before = sim.node(l).core.log.committed;
    for (const id of others(sim, l).slice(0, 3)) sim.crash(id);
    const at = sim.propose(l, "k", "lost?");
    sim.run(1000);
    assert.ok(at);
    assert.equal(sim.node(l).core.log.committed <= before || sim.node(l).core.role !== "leader", true);
    assert.equal(sim.appliedCount(at.index, at.term), 0);
    for (const id of sim.ids) sim.restart(id);
    const l2 = sim.runUntilLeader(2000) as string;
    const at2 = sim.propose(l2, "k", "ok");
    sim.run(500);
    assert.ok(at2 && sim.appliedCount(at2.index, at2.term) === 5);
  });

  it("agreement despite a disconnected follower, which catches up on reconnect", () => {
    const sim = new Simulator({ faults: false, seed: 14 });
    const l = sim.runUntilLeader() as string;
    const f = others(sim, l)[0] as string;
    sim.net.isolate(f, sim.ids);
    const at = sim.propose(l, "k", "v1");
    sim.run(200);
    assert.ok(at);
    assert.equal(sim.appliedCount(at.index, at.term), 2);
    sim.net.heal();
    sim.run(500);
    assert.equal(sim.appliedCount(at.index, at.term), 3);
  });

  it("a partitioned leader rejoins: its uncommitted entries are discarded", () => {
    const sim = new Simulator({ faults: false, seed: 15 });
    const l1 = sim.runUntilLeader() as string;
    sim.net.isolate(l1, sim.ids);
    const stale = sim.propose(l1, "k", "stale");
    sim.run(600);
    const l2 = sim.leader() as string;
    assert.ok(l2 !== l1 && sim.node(l2).core.term > (stale?.term ?? 0));
    const fresh = sim.propose(l2, "k", "fresh");
    sim.run(200);
    sim.net.heal();
    sim.run(600);
    assert.ok(stale && fresh);
    assert.equal(sim.appliedCount(fresh.index, fresh.term), 3);
    assert.equal(sim.node(l1).kv.get("k"), "fresh");
    sim.checkLogs();
  });

  it("Figure 8: leaders crash while replicating; old-term entries never commit by count", () => {
    for (const seed of [21, 22, 23, 24, 25]) {
      const sim = new Simulator({ faults: false, seed, nodes: 5 });
      sim.net.faults = { loss: 0.05, duplicate: 0.02, minDelay: 1, maxDelay: 15 };
      let up = 5;
      for (let iter = 0; iter < 60; iter++) {
        const l = sim.leader();
        if (l) sim.propose(l, `k${iter % 3}`, `v${seed}-${iter}`);
        sim.run(sim.rng.chance(0.1) ? sim.rng.int(0, 500) : sim.rng.int(0, 15));
        const l2 = sim.leader();
        if (l2 && sim.rng.chance(0.5)) {
          sim.crash(l2);
          up--;
        }
        if (up < 3) {
          const down = sim.ids.filter((id) => !sim.node(id).up);
          sim.restart(sim.rng.pick(down));
          up++;
        }
      }
      for (const id of sim.ids) sim.restart(id);
      sim.net.faults = { loss: 0, duplicate: 0, minDelay: 1, maxDelay: 3 };
      const l = sim.runUntilLeader(3000) as string;
      const at = sim.propose(l, "final", "x");
      sim.run(1000);
      assert.ok(at && sim.appliedCount(at.index, at.term) === 5, `seed ${seed}`);
      sim.checkLogs();
    }
  });

  it("unreliable network churn still converges and agrees", () => {
    const sim = new Simulator({ faults: false, seed: 31, nodes: 5 });
    sim.net.faults = { loss: 0.1, duplicate: 0.05, minDelay: 1, maxDelay: 40 };
    for (let i = 0; i < 40; i++) {
      sim.net.heal();
      if (sim.rng.chance(0.5))
        sim.net.partition(
          sim.ids.filter(() => sim.rng.chance(0.5)),
          sim.ids,
        );
      const l = sim.leader();
      if (l) sim.propose(l, "k", `v${i}`);
      sim.run(sim.rng.int(50, 300));
    }
    sim.net.heal();
    sim.net.faults = { loss: 0, duplicate: 0, minDelay: 1, maxDelay: 3 };
    const l = sim.runUntilLeader(3000) as string;
    const at = sim.propose(l, "k", "end");
    sim.run(1000);
    assert.ok(at && sim.appliedCount(at.index, at.term) === 5);
    sim.checkLogs();
  });

  it("crash and restart of every node keeps all committed entries (persistence)", () => {
    const sim = new Simulator({ faults: false, seed: 41, snapshotEvery: 15 });
    let l = sim.runUntilLeader() as string;
    for (let i = 0; i < 40; i++) {
      sim.propose(l, `k${i % 4}`, `v${i}`);
      sim.run(3);
    }
    sim.run(200);
    const committed = sim.node(l).core.log.committed;
    const image = [...sim.node(l).kv.data].sort();
    for (const id of sim.ids) sim.crash(id);
    for (const id of sim.ids) sim.restart(id);
    l = sim.runUntilLeader(2000) as string;
    sim.run(300);
    for (const id of sim.ids) {
      assert.ok(sim.node(id).core.log.committed >= committed);
      assert.deepEqual([...sim.node(id).kv.data].sort(), image);
    }
  });

  it("snapshot install: a follower that missed compacted entries restarts and converges", () => {
    const sim = new Simulator({ faults: false, seed: 51, snapshotEvery: 10 });
    const l = sim.runUntilLeader() as string;
    const f = others(sim, l)[1] as string;
    sim.crash(f);
    for (let i = 0; i < 60; i++) {
      sim.propose(l, `k${i % 7}`, `v${i}`);
      sim.run(2);
    }
    sim.run(100);
    sim.restart(f);
    sim.run(500);
    assert.ok(sim.stats.snapshotsSent > 0);
    assert.deepEqual([...sim.node(f).kv.data].sort(), [...sim.node(l).kv.data].sort());
    // and survives another restart from its own snapshot + log
    sim.crash(f);
    sim.restart(f);
    sim.run(300);
    assert.deepEqual([...sim.node(f).kv.data].sort(), [...sim.node(l).kv.data].sort());
  });
});
