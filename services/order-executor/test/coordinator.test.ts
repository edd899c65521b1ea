// The coordinator's rules, one scenario each, with its proposals applied to a real OrderState by hand
// (the log is perfect here; the simulation test adds faults).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Command, OrderState } from "../src/order-state-machine.js";
import { type Action, Coordinator, type ParticipantCall } from "../src/two-phase-commit/coordinator.js";
import { begin, decide, finish, ProtocolViolation } from "../src/two-phase-commit/transaction.js";
import { order } from "./support.js";

const config = { concurrency: 2, prepareTimeoutMs: 100, prepareAttempts: 3, retryBaseMs: 10, retryMaxMs: 40 };

class Harness {
  state = new OrderState();
  coordinator = new Coordinator(config);
  now = 1000;
  leader = true;
  calls: ParticipantCall[] = [];

  submit(id: string, shipping: "Standard" | "Overnight" = "Standard") {
    this.state.execute({ op: "submit", id, payload: order(id, shipping), at: this.now });
  }

  /**
   * Steps until the coordinator proposes nothing more (each proposal committed at once, as the runner
   * steps again after every commit) and returns the calls it made.
   */
  view() {
    const s = this.state;
    return {
      isLeader: this.leader,
      now: this.now,
      paused: s.paused,
      active: [...s.active.values()],
      pending: [...s.pending],
      job: (id: string) => s.jobs.get(id),
    };
  }

  /** SubmitJob as the runner proposes it; true when the order started in its submit entry. */
  submitAdmitted(id: string): boolean {
    const start = this.coordinator.admit(this.view(), id);
    const command: Command = { op: "submit", id, payload: order(id), at: this.now };
    const r = this.state.execute(start ? { ...command, start } : command);
    this.coordinator.onProposalSettled(command, true, r.ok && r.tx !== undefined);
    return r.ok && r.tx !== undefined;
  }

  step(): ParticipantCall[] {
    const calls: ParticipantCall[] = [];
    for (let round = 0; round < 10; round++) {
      const actions: Action[] = this.coordinator.step(this.view());
      for (const a of actions) if (a.type === "call") calls.push(a.call);
      const proposals = actions.flatMap((a) => (a.type === "propose" ? [a.command] : []));
      for (const command of proposals) this.commit(command);
      if (proposals.length === 0) break;
    }
    this.calls.push(...calls);
    return calls;
  }

  commit(command: Command) {
    this.state.execute(command);
    this.coordinator.onProposalSettled(command, true);
  }

  answer(call: ParticipantCall, outcome: Parameters<Coordinator["onCallOutcome"]>[1]) {
    this.coordinator.onCallOutcome(call.id, outcome, this.now);
  }

  job(id: string) {
    return this.state.jobs.get(id);
  }
}

const yes = (call: ParticipantCall) => ({
  type: "vote" as const,
  vote: { participant: call.participant, yes: true },
});
const receipt = { paymentId: "pay-1", confirmationCode: "CONF", processedAt: "2026-12-01T00:00:00Z" };

describe("two-phase commit coordinator", () => {
  it("starts up to `concurrency` orders, prepares both participants, commits on two yes votes, finishes with the receipt", () => {
    const h = new Harness();
    for (const id of ["a", "b", "c"]) h.submit(id);
    const prepares = h.step();
    assert.equal(h.state.active.size, 2, "two at once");
    assert.deepEqual(prepares.map((c) => `${c.job.id}:${c.participant}:${c.kind}`).sort(), [
      "a:payment:prepare",
      "a:stock:prepare",
      "b:payment:prepare",
      "b:stock:prepare",
    ]);
    for (const c of prepares.filter((c) => c.job.id === "a")) h.answer(c, yes(c));
    const commits = h.step();
    assert.equal(h.state.txs.get("tx-a")?.phase, "COMMITTING");
    assert.deepEqual(
      commits.map((c) => c.kind),
      ["commit", "commit"],
    );
    for (const c of commits)
      h.answer(c, c.participant === "payment" ? { type: "ack", receipt } : { type: "ack" });
    h.step();
    assert.equal(h.job("a")?.state, "COMPLETED");
    assert.deepEqual(h.job("a")?.receipt, receipt);
    assert.deepEqual(
      h.state.txs.get("tx-a")?.history.map((e) => e.phase),
      ["STARTED", "PREPARING", "COMMITTING", "COMMITTED"],
    );
    assert.equal(h.job("c")?.state, "EXECUTING", "a free slot starts the next order");
  });

  it("a no vote aborts at once, naming the book that ran out", () => {
    const h = new Harness();
    h.submit("a");
    const [stock] = h.step().filter((c) => c.participant === "stock");
    h.answer(stock as ParticipantCall, {
      type: "vote",
      vote: { participant: "stock", yes: false, code: "INSUFFICIENT_STOCK", key: "stock:dune", available: 0 },
    });
    const aborts = h.step();
    assert.deepEqual(
      aborts.map((c) => c.kind),
      ["abort", "abort"],
    );
    for (const c of aborts) h.answer(c, { type: "ack" });
    h.step();
    assert.equal(h.job("a")?.state, "FAILED");
    assert.deepEqual(h.job("a")?.reason, { code: "OUT_OF_STOCK", message: "Dune is out of stock (0 left)" });
  });

  it("a participant that does not vote by the deadline aborts the order; nothing was charged", () => {
    const h = new Harness();
    h.submit("a");
    const stock = h.step().find((c) => c.participant === "stock") as ParticipantCall;
    h.answer(stock, yes(stock));
    h.now += config.prepareTimeoutMs;
    h.step();
    const tx = h.state.txs.get("tx-a");
    assert.equal(tx?.decision, "ABORT");
    assert.match(tx?.history.at(-1)?.note ?? "", /no vote from payment/);
  });

  it("phase two is retried with backoff until acknowledged", () => {
    const h = new Harness();
    h.submit("a");
    for (const c of h.step()) h.answer(c, yes(c));
    let commits = h.step();
    const payment = commits.find((c) => c.participant === "payment") as ParticipantCall;
    h.answer(payment, { type: "error", message: "unavailable" });
    h.answer(commits.find((c) => c.participant === "stock") as ParticipantCall, { type: "ack" });
    assert.deepEqual(h.step(), [], "not before the backoff");
    h.now += config.retryBaseMs;
    commits = h.step();
    assert.deepEqual(
      commits.map((c) => `${c.participant}:${c.kind}`),
      ["payment:commit"],
    );
    h.answer(commits[0] as ParticipantCall, { type: "ack", receipt });
    h.step();
    assert.equal(h.job("a")?.state, "COMPLETED");
  });

  it("a new leader aborts what it inherits undecided (presumed abort) and finishes what was decided", () => {
    const h = new Harness();
    h.submit("undecided");
    h.submit("decided");
    // A previous leader started both and decided one; this node's coordinator never saw them start.
    h.state.execute({ op: "start", jobId: "undecided", at: h.now });
    h.state.execute({ op: "start", jobId: "decided", at: h.now });
    h.state.execute({
      op: "decide",
      txId: "tx-decided",
      decision: "COMMIT",
      votes: [
        { participant: "stock", yes: true },
        { participant: "payment", yes: true },
      ],
      at: h.now,
    });
    const calls = h.step();
    assert.equal(h.state.txs.get("tx-undecided")?.decision, "ABORT");
    assert.equal(h.job("undecided")?.state, "EXECUTING");
    assert.ok(
      calls.every((c) => c.kind !== "prepare"),
      "no prepare for an inherited transaction",
    );
    assert.deepEqual(
      calls.filter((c) => c.job.id === "decided").map((c) => c.kind),
      ["commit", "commit"],
    );
    for (const c of [...calls, ...h.step()])
      h.answer(c, c.participant === "payment" ? { type: "ack", receipt } : { type: "ack" });
    h.step();
    assert.equal(h.job("decided")?.state, "COMPLETED");
    assert.equal(h.job("undecided")?.state, "FAILED");
    assert.equal(h.job("undecided")?.reason?.code, "COORDINATOR_FAILOVER");
  });

  it("a node that stops leading forgets everything and ignores late answers", () => {
    const h = new Harness();
    h.submit("a");
    const prepares = h.step();
    h.leader = false;
    assert.deepEqual(h.step(), []);
    for (const c of prepares) h.answer(c, yes(c));
    h.leader = true;
    h.step();
    // Regaining leadership, it treats the transaction as inherited: presumed abort, not a commit.
    assert.equal(h.state.txs.get("tx-a")?.decision, "ABORT");
  });

  it("a paused cluster starts nothing", () => {
    const h = new Harness();
    h.state.execute({ op: "pause", paused: true });
    h.submit("a");
    h.step();
    assert.equal(h.job("a")?.state, "PENDING");
    h.state.execute({ op: "pause", paused: false });
    h.step();
    assert.equal(h.job("a")?.state, "EXECUTING");
  });

  it("an order submitted while a slot is free and nothing waits starts in its submit entry, and is prepared as ours", () => {
    const h = new Harness();
    h.step(); // leading
    assert.equal(h.submitAdmitted("a"), true);
    assert.equal(h.job("a")?.state, "EXECUTING", "no start entry needed");
    const prepares = h.step();
    assert.deepEqual(prepares.map((c) => `${c.job.id}:${c.participant}:${c.kind}`).sort(), [
      "a:payment:prepare",
      "a:stock:prepare",
    ]);
    for (const c of prepares) h.answer(c, yes(c));
    h.step();
    assert.equal(h.state.txs.get("tx-a")?.decision, "COMMIT", "not presumed aborted: it is this leader's");
  });

  it("no start in the submit entry without a free slot for it and every waiting order, when paused, on a follower, or twice", () => {
    const h = new Harness(); // concurrency 2
    h.step();
    assert.equal(h.submitAdmitted("a"), true);
    assert.equal(h.submitAdmitted("b"), true);
    assert.equal(h.submitAdmitted("c"), false, "both slots taken");
    assert.equal(h.job("c")?.state, "PENDING");
    assert.equal(h.submitAdmitted("a"), false, "a known order is not started again");
    assert.equal(h.coordinator.admit(h.view(), "c"), false, "known to this node");

    const waiting = new Harness();
    waiting.step();
    waiting.submit("w"); // applied, not yet started by a step: it waits
    waiting.submit("v");
    assert.equal(waiting.submitAdmitted("x"), false, "two waiting orders need both free slots");

    const paused = new Harness();
    paused.step();
    paused.state.execute({ op: "pause", paused: true });
    assert.equal(paused.submitAdmitted("p"), false);

    const follower = new Harness();
    follower.leader = false;
    follower.step();
    assert.equal(follower.submitAdmitted("f"), false);
  });

  it("an admitted submit that arrives after the same order's first submit starts nothing; the slot is freed and a start entry follows", () => {
    const h = new Harness();
    h.step();
    const start = h.coordinator.admit(h.view(), "a");
    assert.equal(start, true);
    h.submit("a"); // a retried SubmitJob's plain entry got into the log first
    const command: Command = { op: "submit", id: "a", payload: order("a"), at: h.now, start: true };
    const r = h.state.execute(command);
    assert.equal(r.ok && r.tx, undefined, "the duplicate starts nothing");
    h.coordinator.onProposalSettled(command, true, false);
    h.step();
    assert.equal(h.job("a")?.state, "EXECUTING", "started by an ordinary start entry");
  });

  it("the transaction's rules hold: one decision, COMMIT only on yes votes, finish only after a decision", () => {
    const tx = begin("tx-x", "x", 0);
    assert.throws(() => decide(tx, "COMMIT", [{ participant: "stock", yes: true }], 1), ProtocolViolation);
    assert.throws(() => finish(tx, 1), ProtocolViolation);
    const aborted = decide(tx, "ABORT", [], 1);
    assert.throws(() => decide(aborted, "ABORT", [], 2), ProtocolViolation);
    assert.equal(finish(aborted, 2).phase, "ABORTED");
  });

  it("a second decision in the log is void: the first one stands", () => {
    const s = new OrderState();
    s.execute({ op: "submit", id: "a", payload: order("a"), at: 0 });
    s.execute({ op: "start", jobId: "a", at: 1 });
    s.execute({ op: "decide", txId: "tx-a", decision: "ABORT", votes: [], at: 2 });
    const votes = [
      { participant: "stock" as const, yes: true },
      { participant: "payment" as const, yes: true },
    ];
    s.execute({ op: "decide", txId: "tx-a", decision: "COMMIT", votes, at: 3 });
    assert.equal(s.txs.get("tx-a")?.decision, "ABORT");
    assert.equal(s.decisionOf("tx-a"), "ABORT");
    assert.equal(s.decisionOf("tx-never"), "ABORT", "never started: presumed abort");
  });
});
