// The two-phase-commit coordinator as pure logic: what the leader of the executor cluster does next,
// given the replicated state (what the log has decided), what its participants answered, and the
// time. It returns actions — entries to propose, participant calls to make — and performs none: the
// gRPC shell (../coordinator-runner.ts) and the deterministic simulation (../sim/) both drive it.
//
// Rules it keeps (each checked by the simulation):
// - A transaction starts with an entry, before any participant hears of it; only then prepare.
// - The decision is an entry; phase two is sent only for a decision read back from the log.
// - COMMIT only on a yes from every participant; a no, or no answer by the prepare deadline, aborts.
// - Phase two is retried with backoff until every participant acknowledges; then a finish entry.
// - A new leader aborts every transaction it finds undecided (presumed abort: it cannot know what the
//   old leader's participants answered) and drives every decided one to the end.
// - Leadership lost: everything local is forgotten; answers to old calls are ignored.
import type { Command, Job, Receipt } from "../order-state-machine.js";
import { FAILOVER, type Reason, reasonOfVote, unavailable } from "../reasons.js";
import {
  invariant,
  PARTICIPANTS,
  type Participant,
  phaseTwo,
  type Transaction,
  type Vote,
} from "./transaction.js";

export interface CoordinatorConfig {
  /** Orders executing at once. */
  concurrency: number;
  /** A participant that has not voted this long after the start votes no. */
  prepareTimeoutMs: number;
  /** Prepare attempts per participant before it counts as not answering. */
  prepareAttempts: number;
  /** Backoff between attempts: base × 2^(attempt−1), at most max. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export type CallKind = "prepare" | "commit" | "abort";

export interface ParticipantCall {
  id: number;
  participant: Participant;
  kind: CallKind;
  tx: Transaction;
  job: Job;
}

export type CallOutcome =
  /** The prepare's answer. */
  | { type: "vote"; vote: Vote }
  /** Commit or abort acknowledged (the payment's commit carries its receipt). */
  | { type: "ack"; receipt?: Receipt }
  /** No usable answer (timeout, unreachable, refused): try again later. */
  | { type: "error"; message: string };

export type Action = { type: "propose"; command: Command } | { type: "call"; call: ParticipantCall };

/** What the coordinator reads of the replicated state. */
export interface CoordinatorView {
  isLeader: boolean;
  now: number;
  paused: boolean;
  /** Unfinished transactions. */
  active: Iterable<Transaction>;
  /** Waiting orders, in the order they run. */
  pending: readonly Job[];
  job(id: string): Job | undefined;
}

/** The leader's own knowledge of one transaction, never replicated. */
interface Progress {
  /** This leader proposed its start (else it inherited it from a previous leader). */
  ours: boolean;
  /** The phase the calls below belong to; a new phase starts them afresh. */
  phase: string;
  deadline: number;
  votes: Map<Participant, Vote>;
  acks: Set<Participant>;
  receipt?: Receipt;
  inFlight: Set<Participant>;
  attempts: Map<Participant, number>;
  retryAt: Map<Participant, number>;
  /** The phase a decide or finish was proposed in; cleared when the phase moves or it fails. */
  proposedIn?: string;
}

export class Coordinator {
  private leading = false;
  private readonly progress = new Map<string, Progress>();
  private readonly startsProposed = new Set<string>();
  private readonly calls = new Map<
    number,
    { txId: string; participant: Participant; kind: CallKind; phase: string }
  >();
  private nextCallId = 1;

  constructor(private readonly config: CoordinatorConfig) {}

  /** Everything to do now. Call it after every applied batch, call outcome, and on a timer. */
  step(view: CoordinatorView): Action[] {
    if (!view.isLeader) {
      if (this.leading) this.forgetAll();
      return [];
    }
    this.leading = true;
    const actions: Action[] = [];
    const seen = new Set<string>();
    let active = 0;
    for (const tx of view.active) {
      active++;
      seen.add(tx.id);
      const job = view.job(tx.jobId);
      invariant(job !== undefined, `${tx.id} belongs to an order`);
      const p = this.progressOf(tx, view.now);
      if (p.phase !== tx.phase) this.enterPhase(p, tx.phase);
      if (tx.phase === "PREPARING") this.planPrepare(tx, job, p, view.now, actions);
      else this.planPhaseTwo(tx, job, p, view.now, actions);
    }
    for (const id of this.progress.keys()) if (!seen.has(id)) this.progress.delete(id);
    this.planStarts(view, active, actions);
    return actions;
  }

  /** A participant answered (or failed to) a call made in `step`. */
  onCallOutcome(callId: number, outcome: CallOutcome, now: number): void {
    const call = this.calls.get(callId);
    if (!call) return; // from before a change of leadership
    this.calls.delete(callId);
    const p = this.progress.get(call.txId);
    if (!p || p.phase !== call.phase) return; // an answer from a phase that is over
    p.inFlight.delete(call.participant);
    if (outcome.type === "error") {
      const attempt = p.attempts.get(call.participant) ?? 1;
      p.retryAt.set(
        call.participant,
        now + Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** (attempt - 1)),
      );
      return;
    }
    if (outcome.type === "vote") {
      if (call.kind === "prepare") p.votes.set(call.participant, outcome.vote);
      return;
    }
    if (call.kind !== "prepare") {
      p.acks.add(call.participant);
      if (outcome.receipt) p.receipt = outcome.receipt;
    }
  }

  /**
   * May an order being submitted now start in its submit entry? Only on a leader with a free slot
   * for it and for every order already waiting (so no waiting order is passed over), and only for
   * an order this node has not seen. True reserves the slot until the entry settles.
   */
  admit(view: CoordinatorView, jobId: string): boolean {
    if (!view.isLeader || !this.leading || view.paused) return false;
    if (view.job(jobId) !== undefined || this.startsProposed.has(jobId)) return false;
    // Slots taken: every running order, and every start proposed whose order is not running yet.
    let taken = 0;
    for (const _ of view.active) taken++;
    for (const id of this.startsProposed) if (view.job(id)?.state !== "EXECUTING") taken++;
    if (this.config.concurrency - taken <= view.pending.length) return false;
    this.startsProposed.add(jobId);
    return true;
  }

  /**
   * A proposal was committed (true) or will never be (false): then it is proposed again. For a
   * submit admitted to start, `started` says whether its entry did start the order (not when the
   * order was already in the log: then it waits for an ordinary start).
   */
  onProposalSettled(command: Command, committed: boolean, started = false): void {
    if (command.op === "submit") {
      if (command.start && !(committed && started)) this.startsProposed.delete(command.id);
      return;
    }
    if (command.op === "start") {
      // Committed: the transaction now shows as active and is ours; not committed: try again.
      if (!committed) this.startsProposed.delete(command.jobId);
      return;
    }
    if (committed) return;
    const txId = command.op === "decide" || command.op === "finish" ? command.txId : undefined;
    const p = txId ? this.progress.get(txId) : undefined;
    if (p) p.proposedIn = undefined;
  }

  // ---- planning --------------------------------------------------------------------------------

  private progressOf(tx: Transaction, now: number): Progress {
    let p = this.progress.get(tx.id);
    if (!p) {
      const ours = this.startsProposed.delete(tx.jobId);
      p = {
        ours,
        phase: tx.phase,
        deadline: now + this.config.prepareTimeoutMs,
        votes: new Map(),
        acks: new Set(),
        inFlight: new Set(),
        attempts: new Map(),
        retryAt: new Map(),
      };
      this.progress.set(tx.id, p);
    }
    return p;
  }

  private enterPhase(p: Progress, phase: string): void {
    p.phase = phase;
    p.proposedIn = undefined;
    p.inFlight.clear();
    p.attempts.clear();
    p.retryAt.clear();
  }

  private planPrepare(tx: Transaction, job: Job, p: Progress, now: number, actions: Action[]): void {
    if (p.proposedIn === tx.phase) return;
    const votes = PARTICIPANTS.flatMap((name) => p.votes.get(name) ?? []);
    const no = votes.find((v) => !v.yes);
    let verdict: { decision: "COMMIT" | "ABORT"; reason?: Reason; note?: string } | undefined;
    if (!p.ours)
      verdict = { decision: "ABORT", reason: FAILOVER, note: "presumed abort: inherited undecided" };
    else if (no) verdict = { decision: "ABORT", reason: reasonOfVote(no, (key) => titleOf(job, key)) };
    else if (votes.length === PARTICIPANTS.length) verdict = { decision: "COMMIT" };
    else if (now >= p.deadline || this.outOfAttempts(p)) {
      const silent = PARTICIPANTS.find((name) => !p.votes.has(name)) as Participant;
      verdict = { decision: "ABORT", reason: unavailable(silent), note: `no vote from ${silent}` };
    }
    if (verdict) {
      p.proposedIn = tx.phase;
      const { decision, reason, note } = verdict;
      actions.push({
        type: "propose",
        command: {
          op: "decide",
          txId: tx.id,
          decision,
          votes,
          at: now,
          ...(reason ? { reason } : {}),
          ...(note ? { note } : {}),
        },
      });
      return;
    }
    for (const participant of PARTICIPANTS) {
      if (!p.votes.has(participant)) this.maybeCall(tx, job, p, participant, "prepare", now, actions);
    }
  }

  private planPhaseTwo(tx: Transaction, job: Job, p: Progress, now: number, actions: Action[]): void {
    const decision = phaseTwo(tx);
    invariant(decision !== undefined, `no phase two for ${tx.id} without a decision in the log`);
    if (p.acks.size === PARTICIPANTS.length) {
      if (p.proposedIn === tx.phase) return;
      invariant(
        decision === "ABORT" || p.receipt !== undefined,
        `${tx.id} commits with the payment's receipt`,
      );
      p.proposedIn = tx.phase;
      actions.push({
        type: "propose",
        command: {
          op: "finish",
          txId: tx.id,
          at: now,
          ...(decision === "COMMIT" ? { receipt: p.receipt } : {}),
        },
      });
      return;
    }
    const kind = decision === "COMMIT" ? "commit" : "abort";
    for (const participant of PARTICIPANTS) {
      if (!p.acks.has(participant)) this.maybeCall(tx, job, p, participant, kind, now, actions);
    }
  }

  private planStarts(view: CoordinatorView, active: number, actions: Action[]): void {
    if (view.paused) return;
    let free = this.config.concurrency - active - this.startsProposed.size;
    for (const job of view.pending) {
      if (free <= 0) break;
      if (this.startsProposed.has(job.id)) continue;
      this.startsProposed.add(job.id);
      actions.push({ type: "propose", command: { op: "start", jobId: job.id, at: view.now } });
      free--;
    }
  }

  private maybeCall(
    tx: Transaction,
    job: Job,
    p: Progress,
    participant: Participant,
    kind: CallKind,
    now: number,
    actions: Action[],
  ): void {
    if (p.inFlight.has(participant) || now < (p.retryAt.get(participant) ?? 0)) return;
    if (kind === "prepare" && (p.attempts.get(participant) ?? 0) >= this.config.prepareAttempts) return;
    const id = this.nextCallId++;
    p.inFlight.add(participant);
    p.attempts.set(participant, (p.attempts.get(participant) ?? 0) + 1);
    this.calls.set(id, { txId: tx.id, participant, kind, phase: tx.phase });
    actions.push({ type: "call", call: { id, participant, kind, tx, job } });
  }

  private outOfAttempts(p: Progress): boolean {
    return PARTICIPANTS.some(
      (name) =>
        !p.votes.has(name) &&
        !p.inFlight.has(name) &&
        (p.attempts.get(name) ?? 0) >= this.config.prepareAttempts,
    );
  }

  private forgetAll(): void {
    this.leading = false;
    this.progress.clear();
    this.startsProposed.clear();
    this.calls.clear();
  }
}

/** The title of the book behind a stock key (stock:<book id>), for the shopper's message. */
function titleOf(job: Job, stockKey: string): string | undefined {
  return job.payload.lines.find((l) => `stock:${l.bookId}` === stockKey)?.title;
}
