// Leader leases (RaftConfig.leaseMs): a read inside a lease is answered without a heartbeat round;
// everything that could let another node win an election meanwhile ends the lease first.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RaftCore } from "../src/core/raft.js";
import { InvariantError } from "../src/core/types.js";
import { leaseMs } from "../src/node/lease.js";
import { Simulator } from "../src/sim/simulator.js";
import { drain, elect, msg, newCore } from "./helpers.js";

const three = ["n1", "n2", "n3"];
const LEASE = 100;

/** n1 as leader of three with its no-op committed; time is `clock.t`. */
function leader() {
  const clock = { t: 0 };
  const r = newCore("n1", three, { leaseMs: LEASE, now: () => clock.t });
  elect(r, three);
  r.step(msg("appendResponse", "n2", "n1", r.term, { index: 1 }));
  drain(r);
  return { r, clock };
}

/** One heartbeat tick; returns the round's context. */
function round(r: RaftCore): string {
  r.tick();
  const hb = drain(r).messages.filter((m) => m.type === "heartbeat");
  assert.equal(hb.length, 2);
  return hb[0]?.context as string;
}

/** Starts a read on the leader; true when it was answered without any message going out. */
function answeredAtOnce(r: RaftCore, context: string): boolean {
  r.readIndex(context);
  const rd = drain(r);
  const sentHeartbeats = rd.messages.some((m) => m.type === "heartbeat");
  const answered = rd.readStates.some((s) => s.context === context);
  assert.equal(answered, !sentHeartbeats, "either answered from the lease or a heartbeat round started");
  return answered;
}

describe("leader lease reads", () => {
  it("a read within the lease is answered at once, from the commit index", () => {
    const { r, clock } = leader();
    const ctx = round(r);
    clock.t = 10;
    r.step(msg("heartbeatResponse", "n2", "n1", r.term, { context: ctx }));
    drain(r);
    clock.t = 50;
    r.readIndex("q");
    const rd = drain(r);
    assert.deepEqual(rd.readStates, [{ index: 1, context: "q" }]);
    assert.equal(rd.messages.length, 0);
  });

  it("runs from when the round was sent, in the clock's time, not in ticks", () => {
    const { r, clock } = leader();
    const ctx = round(r);
    clock.t = 90; // answered late: the lease still started at 0
    r.step(msg("heartbeatResponse", "n3", "n1", r.term, { context: ctx }));
    drain(r);
    clock.t = LEASE - 1;
    assert.ok(answeredAtOnce(r, "in"));
    // A stalled leader ticks nothing, but its clock moves on.
    clock.t = LEASE;
    assert.equal(answeredAtOnce(r, "out"), false);
    r.step(msg("heartbeatResponse", "n2", "n1", r.term, { context: "out" }));
    assert.deepEqual(drain(r).readStates, [{ index: 1, context: "out" }], "answered by a quorum instead");
  });

  it("needs a quorum's answer: its own heartbeat alone proves nothing", () => {
    const { r } = leader();
    round(r);
    assert.equal(answeredAtOnce(r, "q"), false);
  });

  it("a read's own confirmed round also starts a lease", () => {
    const { r, clock } = leader();
    assert.equal(answeredAtOnce(r, "first"), false);
    r.step(msg("heartbeatResponse", "n2", "n1", r.term, { context: "first" }));
    assert.equal(drain(r).readStates.length, 1);
    clock.t = 20;
    assert.ok(answeredAtOnce(r, "second"));
  });

  it("tells the driver the index a read may be answered at without a Ready round, only in a lease", () => {
    const { r, clock } = leader();
    assert.equal(r.leaseReadIndex(), undefined);
    const ctx = round(r);
    r.step(msg("heartbeatResponse", "n2", "n1", r.term, { context: ctx }));
    drain(r);
    assert.equal(r.leaseReadIndex(), 1);
    clock.t = LEASE;
    assert.equal(r.leaseReadIndex(), undefined);
  });

  it("answers a follower's forwarded read from the lease", () => {
    const { r } = leader();
    const ctx = round(r);
    r.step(msg("heartbeatResponse", "n2", "n1", r.term, { context: ctx }));
    drain(r);
    r.step(msg("readIndex", "n3", "n1", r.term, { context: "f" }));
    const out = drain(r).messages;
    assert.deepEqual(
      out.map((m) => [m.type, m.to, m.index, m.context]),
      [["readIndexResponse", "n3", 1, "f"]],
    );
  });

  it("ends for good in its term once the leader sends TimeoutNow (a forced election ignores leases)", () => {
    const { r, clock } = leader();
    const ctx = round(r);
    r.step(msg("heartbeatResponse", "n2", "n1", r.term, { context: ctx }));
    drain(r);
    assert.ok(r.transferLeadership("n2"));
    assert.ok(drain(r).messages.some((m) => m.type === "timeoutNow" && m.to === "n2"));
    assert.equal(answeredAtOnce(r, "during"), false);
    // The transfer times out; fresh rounds are confirmed; the lease still does not come back.
    for (let i = 0; i < 10; i++) r.tick();
    drain(r);
    assert.equal(r.role, "leader");
    clock.t = 5;
    const again = round(r);
    r.step(msg("heartbeatResponse", "n2", "n1", r.term, { context: again }));
    drain(r);
    assert.equal(answeredAtOnce(r, "after"), false);
  });

  it("ends when the leader steps down", () => {
    const { r } = leader();
    const ctx = round(r);
    r.step(msg("heartbeatResponse", "n2", "n1", r.term, { context: ctx }));
    drain(r);
    r.step(msg("appendResponse", "n3", "n1", r.term + 1));
    assert.equal(r.role, "follower");
    assert.equal(r.readIndex("q"), false, "no leader known: nothing to answer from");
  });

  it("a node that just started refuses votes for as long as a follower in lease would", () => {
    const r = newCore("n1", three, { leaseMs: LEASE });
    r.step(msg("vote", "n2", "n1", 1, { index: 5, logTerm: 1 }));
    assert.equal(drain(r).messages.length, 0, "before its restart it may have promised a leader");
    for (let i = 0; i < 9; i++) r.tick();
    r.step(msg("vote", "n2", "n1", 1, { index: 5, logTerm: 1 }));
    assert.deepEqual(
      drain(r).messages.map((m) => [m.type, m.reject]),
      [["voteResponse", false]],
    );
    const noLease = newCore("n1", three);
    noLease.step(msg("vote", "n2", "n1", 1, { index: 5, logTerm: 1 }));
    assert.equal(drain(noLease).messages.length, 1, "without leases it votes at once");
  });

  it("needs check-quorum", () => {
    assert.throws(() => newCore("n1", three, { leaseMs: LEASE, checkQuorum: false }), InvariantError);
  });

  it("the lease stays under what a voter's election timer promises, clock drift included", () => {
    // 10 ticks of 40 ms: a voter keeps refusing votes for 8 ticks (320 ms); 10% drift twice.
    assert.equal(Math.round(leaseMs(40, 10) * 10) / 10, 259.2);
    assert.equal(leaseMs(40, 2), 0, "too short an election timeout for a lease");
  });
});

describe("leader lease reads in the simulator", () => {
  /** A read on `id` right now; the value it returned, once answered. */
  function readOn(sim: Simulator, id: string, key: string): { value?: string } {
    const out: { value?: string } = {};
    const n = sim.node(id);
    n.reads.set("lease-probe", (index) => n.readWaits.push({ index, fn: () => (out.value = n.kv.get(key)) }));
    assert.ok(n.core.readIndex("lease-probe"));
    return out;
  }

  it("a leader stalled past its lease serves no stale read when it runs again", () => {
    const sim = new Simulator({ faults: false, seed: 3, leaseReads: true });
    const old = sim.runUntilLeader() as string;
    sim.propose(old, "k", "v1");
    sim.run(50);
    assert.equal(readOn(sim, old, "k").value, undefined, "not answered within the same step");
    sim.run(5);
    sim.pause(old, 400);
    sim.run(300);
    const next = sim.leader() as string;
    assert.notEqual(next, old, "the others elected a new leader during the stall");
    sim.propose(next, "k", "v2");
    sim.run(50);
    // The stalled leader runs again: a read reaches it before the news of the new term.
    sim.run(sim.node(old).pausedUntil - sim.now);
    assert.equal(sim.node(old).core.role, "leader", "it still believes it leads");
    const read = readOn(sim, old, "k");
    sim.run(100);
    assert.notEqual(read.value, "v1", "a stale read");
    assert.equal(sim.node(old).core.role, "follower");
  });

  it("300 seeds with faults and stalls, every run reading from leases: no violation", () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 300; seed++) {
      const r = new Simulator({ seed, leaseReads: true }).runScenario();
      if (!r.ok) failures.push(`seed ${seed}: ${r.violation}`);
    }
    assert.deepEqual(failures, [], "replay with: npm run sim -- --seed <N> --leases on");
  });
});
