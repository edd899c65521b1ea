// The Raft paper's rules, one test per rule, named after its section (cf. etcd raft_paper_test.go).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProposalError } from "../src/core/raft.js";
import { encodeConfChange } from "../src/core/types.js";
import { Simulator } from "../src/sim/simulator.js";
import { drain, elect, ent, msg, newCore } from "./helpers.js";

const three = ["n1", "n2", "n3"];

describe("§5.1 basics", () => {
  it("a node with a higher term in any message moves to that term as follower", () => {
    const r = newCore("n1", three);
    elect(r, three);
    assert.equal(r.role, "leader");
    r.step(msg("append", "n2", "n1", r.term + 1, { index: 0, logTerm: 0 }));
    assert.equal(r.role, "follower");
    assert.equal(r.term, 2);
    assert.equal(r.leader, "n2");
  });

  it("messages from a stale term are ignored (a stale leader is told the new term)", () => {
    const r = newCore("n1", three, {}, { hardState: { term: 5, vote: "", commit: 0 } });
    r.step(msg("append", "n2", "n1", 3, { index: 0, logTerm: 0 }));
    const out = drain(r).messages;
    assert.equal(r.term, 5);
    assert.equal(out[0]?.type, "appendResponse");
    assert.equal(out[0]?.term, 5);
  });
});

describe("§5.2 leader election", () => {
  it("a follower that hears nothing for an election timeout starts an election", () => {
    const r = newCore("n1", three, { preVote: false });
    for (let i = 0; i < 20; i++) r.tick();
    assert.equal(r.role, "candidate");
    assert.equal(r.term, 1);
    assert.equal(r.vote, "n1");
    const votes = drain(r).messages.filter((m) => m.type === "vote");
    assert.deepEqual(votes.map((m) => m.to).sort(), ["n2", "n3"]);
  });

  it("a candidate that wins a majority becomes leader and asserts itself with an append", () => {
    const r = newCore("n1", three, { preVote: false });
    r.campaignNow();
    drain(r);
    r.step(msg("voteResponse", "n2", "n1", 1));
    assert.equal(r.role, "leader");
    const out = drain(r).messages;
    assert.ok(out.some((m) => m.type === "append" && m.to === "n3"));
  });

  it("a candidate that loses a majority returns to follower", () => {
    const r = newCore("n1", three, { preVote: false });
    r.campaignNow();
    drain(r);
    r.step(msg("voteResponse", "n2", "n1", 1, { reject: true }));
    r.step(msg("voteResponse", "n3", "n1", 1, { reject: true }));
    assert.equal(r.role, "follower");
  });

  it("a candidate receiving an append from a leader of its term steps down", () => {
    const r = newCore("n1", three, { preVote: false });
    r.campaignNow();
    r.step(msg("append", "n2", "n1", 1, { index: 0, logTerm: 0 }));
    assert.equal(r.role, "follower");
    assert.equal(r.leader, "n2");
  });

  it("each server votes for at most one candidate in a term (first come, first served)", () => {
    const r = newCore("n1", three);
    r.step(msg("vote", "n2", "n1", 1));
    r.step(msg("vote", "n3", "n1", 1));
    const out = drain(r).messages;
    assert.equal(out.length, 2);
    assert.equal(out[0]?.reject, false);
    assert.equal(out[1]?.reject, true);
    assert.equal(r.vote, "n2");
    // A repeated request from the same candidate is granted again.
    r.step(msg("vote", "n2", "n1", 1));
    assert.equal(drain(r).messages[0]?.reject, false);
  });

  it("election timeouts are randomised between one and two election timeouts", () => {
    const seen = new Set<number>();
    for (let s = 0; s < 20; s++) {
      let x = (s + 1) * 7919;
      const r = newCore("n1", three, {
        preVote: false,
        random: () => {
          x = (x * 48271) % 2147483647;
          return x / 2147483647;
        },
      });
      let ticks = 0;
      while (r.role === "follower" && ticks < 100) {
        r.tick();
        ticks++;
      }
      assert.ok(ticks >= 10 && ticks < 20, `timeout ${ticks}`);
      seen.add(ticks);
    }
    assert.ok(seen.size > 3);
  });

  it("pre-vote: a node that cannot win does not disturb the term (§9.6)", () => {
    const r = newCore("n1", three);
    for (let i = 0; i < 20; i++) r.tick();
    assert.equal(r.role, "preCandidate");
    assert.equal(r.term, 0);
    const out = drain(r).messages;
    assert.ok(out.every((m) => m.type === "preVote" && m.term === 1));
    r.step(msg("preVoteResponse", "n2", "n1", 0, { reject: true }));
    r.step(msg("preVoteResponse", "n3", "n1", 0, { reject: true }));
    assert.equal(r.role, "follower");
    assert.equal(r.term, 0);
  });

  it("a follower in contact with a leader ignores vote requests (check-quorum lease)", () => {
    const r = newCore("n1", three);
    r.step(msg("heartbeat", "n2", "n1", 1));
    drain(r);
    r.step(msg("vote", "n3", "n1", 2, { index: 5, logTerm: 1 }));
    assert.equal(r.term, 1);
    assert.equal(drain(r).messages.length, 0);
  });

  it("check-quorum: a leader that hears from no majority for an election timeout steps down", () => {
    const r = newCore("n1", three);
    elect(r, three);
    for (let i = 0; i < 10; i++) {
      r.tick();
      r.step(msg("heartbeatResponse", "n2", "n1", r.term));
    }
    assert.equal(r.role, "leader", "n1 + n2 are a majority");
    for (let i = 0; i < 20; i++) r.tick();
    assert.equal(r.role, "follower");
  });
});

describe("§5.3 log replication", () => {
  it("the leader appends a proposal and sends it to every follower", () => {
    const r = newCore("n1", three);
    elect(r, three);
    r.step(msg("appendResponse", "n2", "n1", r.term, { index: 1 }));
    r.step(msg("appendResponse", "n3", "n1", r.term, { index: 1 }));
    drain(r);
    const at = r.propose(new TextEncoder().encode("x"));
    assert.equal(at.index, 2);
    const rd = drain(r);
    assert.deepEqual(
      rd.entries.map((e) => e.index),
      [2],
    );
    const apps = rd.messages.filter((m) => m.type === "append");
    assert.equal(apps.length, 2);
    assert.ok(apps.every((m) => m.entries.length === 1 && m.index === 1 && m.logTerm === r.term));
  });

  it("an entry commits once a majority stored it, and followers learn the commit index", () => {
    const r = newCore("n1", three);
    elect(r, three);
    assert.equal(r.log.committed, 0);
    r.step(msg("appendResponse", "n2", "n1", r.term, { index: 1 }));
    assert.equal(r.log.committed, 1); // leader (persisted) + n2
    const apps = drain(r).messages.filter((m) => m.type === "append" && m.to === "n2");
    assert.ok(apps.some((m) => m.commit === 1));
  });

  it("the leader does not count itself before its own entries are persisted", () => {
    const r = newCore("n1", three);
    elect(r, three);
    r.step(msg("appendResponse", "n2", "n1", r.term, { index: 1 }));
    r.step(msg("appendResponse", "n3", "n1", r.term, { index: 1 }));
    drain(r);
    const at = r.propose(new Uint8Array([1]));
    const rd = r.ready(); // handed out but not advanced: not yet fsynced
    r.step(msg("appendResponse", "n2", "n1", r.term, { index: at.index }));
    assert.equal(r.log.committed, at.index - 1, "n2 alone is not a majority");
    r.advance(rd);
    assert.equal(r.log.committed, at.index, "leader's own durable copy + n2");
  });

  it("a follower rejects an append whose previous entry does not match (consistency check)", () => {
    const r = newCore(
      "n2",
      three,
      {},
      { entries: [ent(1, 1), ent(2, 1)], hardState: { term: 2, vote: "", commit: 0 } },
    );
    r.step(msg("append", "n1", "n2", 2, { index: 2, logTerm: 2, entries: [ent(3, 2)] }));
    const out = drain(r).messages[0];
    assert.equal(out?.reject, true);
    assert.equal(out?.rejectHint, 2);
    assert.equal(out?.logTerm, 1);
    assert.equal(r.log.lastIndex(), 2);
  });

  it("conflicting entries on a follower are deleted and replaced by the leader's", () => {
    const r = newCore(
      "n2",
      three,
      {},
      { entries: [ent(1, 1), ent(2, 1), ent(3, 1)], hardState: { term: 2, vote: "", commit: 1 } },
    );
    r.step(msg("append", "n1", "n2", 3, { index: 1, logTerm: 1, entries: [ent(2, 3)], commit: 2 }));
    const rd = drain(r);
    assert.equal(r.log.lastIndex(), 2);
    assert.equal(r.log.term(2), 3);
    assert.equal(r.log.committed, 2);
    assert.deepEqual(
      rd.entries.map((e) => [e.index, e.term]),
      [[2, 3]],
    );
  });

  it("the leader backs off past a whole conflicting term and repairs a follower's log", () => {
    const sim = new Simulator({ faults: false, seed: 3 });
    const l = sim.runUntilLeader() as string;
    const other = sim.ids.filter((id) => id !== l);
    sim.net.isolate(other[0] as string, sim.ids);
    for (let i = 0; i < 30; i++) sim.propose(l, "k", `v${i}`);
    sim.run(200);
    sim.net.heal();
    sim.run(500);
    const logs = sim.ids.map((id) => sim.node(id).core.log.lastIndex());
    assert.equal(new Set(logs).size, 1);
    sim.checkLogs();
  });
});

describe("§5.4 safety", () => {
  it("§5.4.1 a voter denies its vote to a candidate whose log is less up to date", () => {
    const r = newCore(
      "n1",
      three,
      {},
      { entries: [ent(1, 1), ent(2, 2)], hardState: { term: 2, vote: "", commit: 0 } },
    );
    r.step(msg("vote", "n2", "n1", 3, { index: 5, logTerm: 1 })); // older last term
    r.step(msg("vote", "n3", "n1", 3, { index: 1, logTerm: 2 })); // same term, shorter
    const out = drain(r).messages;
    assert.ok(out.every((m) => m.reject));
    r.step(msg("vote", "n3", "n1", 3, { index: 2, logTerm: 2 }));
    assert.equal(drain(r).messages[0]?.reject, false);
  });

  it("§5.4.2 a leader never commits an entry of an older term by counting replicas (Figure 8)", () => {
    const r = newCore(
      "n1",
      three,
      {},
      { entries: [ent(1, 1), ent(2, 2)], hardState: { term: 2, vote: "", commit: 0 } },
    );
    elect(r, three); // term 3, appends its no-op at index 3
    assert.equal(r.term, 3);
    r.step(msg("appendResponse", "n2", "n1", 3, { index: 2 }));
    assert.equal(r.log.committed, 0, "index 2 (term 2) on a majority must not commit by itself");
    r.step(msg("appendResponse", "n2", "n1", 3, { index: 3 }));
    assert.equal(r.log.committed, 3, "the current-term entry commits everything before it");
  });
});

describe("§6 cluster membership changes", () => {
  it("adds a learner, catches it up, promotes it, then removes a voter", () => {
    const sim = new Simulator({ faults: false, seed: 5, snapshotEvery: 10 });
    const l = sim.runUntilLeader() as string;
    for (let i = 0; i < 25; i++) sim.propose(l, "k", `v${i}`);
    sim.run(200);
    sim.addNode("n4", { voters: [], learners: [], addresses: {} });
    const lead = sim.node(l).core;
    lead.propose(encodeConfChange({ type: "addLearner", id: "n4", address: "a4" }), "confChange");
    assert.throws(
      () => lead.propose(encodeConfChange({ type: "addVoter", id: "n4", address: "a4" }), "confChange"),
      (e: unknown) => e instanceof ProposalError && e.code === "CONF_CHANGE_PENDING",
    );
    sim.run(300);
    assert.deepEqual(lead.conf.learners, ["n4"]);
    const n4 = sim.node("n4").core;
    assert.equal(n4.log.committed, lead.log.committed, "learner caught up (through a snapshot)");
    assert.equal(n4.role, "follower");
    lead.propose(encodeConfChange({ type: "addVoter", id: "n4", address: "a4" }), "confChange");
    sim.run(300);
    assert.deepEqual([...lead.conf.voters].sort(), ["n1", "n2", "n3", "n4"]);
    assert.deepEqual(n4.conf.voters.length, 4);
    const victim = sim.ids.find((id) => id !== l && id !== "n4") as string;
    lead.propose(encodeConfChange({ type: "removeNode", id: victim, address: "" }), "confChange");
    sim.run(300);
    assert.equal(lead.conf.voters.length, 3);
    sim.crash(victim);
    const at = sim.propose(l, "k", "after");
    sim.run(200);
    assert.ok(at && sim.appliedCount(at.index, at.term) >= 3);
  });
});

describe("§7 log compaction", () => {
  it("compacts the log and brings a lagging follower up with InstallSnapshot", () => {
    const sim = new Simulator({ faults: false, seed: 9, snapshotEvery: 20 });
    const l = sim.runUntilLeader() as string;
    const lagging = sim.ids.find((id) => id !== l) as string;
    sim.crash(lagging);
    for (let i = 0; i < 100; i++) {
      sim.propose(l, `k${i % 5}`, `v${i}`);
      sim.run(2);
    }
    sim.run(100);
    assert.ok(sim.node(l).core.log.snapshot.index > 50);
    const sent = sim.stats.snapshotsSent;
    sim.restart(lagging);
    sim.run(500);
    assert.ok(sim.stats.snapshotsSent > sent);
    const f = sim.node(lagging);
    assert.equal(f.core.log.committed, sim.node(l).core.log.committed);
    assert.deepEqual([...f.kv.data].sort(), [...sim.node(l).kv.data].sort());
  });
});

describe("§8 client interaction", () => {
  it("a proposal to a follower is refused with the leader's id", () => {
    const sim = new Simulator({ faults: false, seed: 2 });
    const l = sim.runUntilLeader() as string;
    sim.run(50);
    const f = sim.ids.find((id) => id !== l) as string;
    assert.throws(
      () => sim.node(f).core.propose(new Uint8Array([1])),
      (e: unknown) => e instanceof ProposalError && e.code === "NOT_LEADER" && e.leader === l,
    );
  });

  it("a read on a new leader waits until its own no-op commits, then for a heartbeat quorum", () => {
    const r = newCore("n1", three);
    elect(r, three);
    r.readIndex("r1");
    assert.equal(drain(r).readStates.length, 0);
    r.step(msg("appendResponse", "n2", "n1", r.term, { index: 1 }));
    const hb = drain(r).messages.filter((m) => m.type === "heartbeat" && m.context === "r1");
    assert.equal(hb.length, 2);
    r.step(msg("heartbeatResponse", "n3", "n1", r.term, { context: "r1" }));
    assert.deepEqual(drain(r).readStates, [{ index: 1, context: "r1" }]);
  });

  it("a follower read is forwarded to the leader and answered with its commit index", () => {
    const sim = new Simulator({ faults: false, seed: 4 });
    const l = sim.runUntilLeader() as string;
    sim.propose(l, "k", "v");
    sim.run(50);
    const f = sim.node(sim.ids.find((id) => id !== l) as string);
    let got = -1;
    f.reads.set("q", (index) => {
      got = index;
    });
    assert.ok(f.core.readIndex("q"));
    sim.run(50);
    assert.equal(got, sim.node(l).core.log.committed);
  });

  it("leadership transfer hands over to an up-to-date follower", () => {
    const sim = new Simulator({ faults: false, seed: 6 });
    const l = sim.runUntilLeader() as string;
    sim.propose(l, "k", "v");
    sim.run(50);
    const to = sim.ids.find((id) => id !== l) as string;
    assert.ok(sim.node(l).core.transferLeadership(to));
    sim.run(100);
    assert.equal(sim.leader(), to);
    assert.equal(sim.node(l).core.role, "follower");
  });
});
