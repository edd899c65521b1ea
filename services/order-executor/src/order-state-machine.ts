// The executor cluster's replicated state as pure logic: every order (job) with its state, the
// priority queue of those waiting, and the two-phase-commit transaction of each order. No I/O and no
// clock: times come inside the commands, proposed by the leader, so every replica computes the same
// state from the log. Every transition of an order is one entry.
import { type AppliedEntry, jsonCodec, type StateMachine } from "@bookstore/raft";
import { basePriority, queueKey, runsBefore, type ShippingMethod } from "./priority.js";
import type { Reason } from "./reasons.js";
import * as tpc from "./two-phase-commit/transaction.js";

export type JobState = "PENDING" | "EXECUTING" | "COMPLETED" | "FAILED";

export interface OrderLine {
  bookId: string;
  title: string;
  quantity: number;
  unitPriceCents: number;
}

/** What an order carries into the log: never a card number, only the vault's token. */
export interface OrderPayload {
  orderId: string;
  customerId: string;
  lines: OrderLine[];
  totalCents: number;
  shippingMethod: ShippingMethod;
  payment: { method: "credit_card" | "bank_transfer"; token: string; brand: string; last4: string };
}

export interface Receipt {
  paymentId: string;
  confirmationCode: string;
  processedAt: string;
}

export interface Job {
  id: string;
  /** Arrival order (FIFO among equal priorities). */
  seq: number;
  payload: OrderPayload;
  base: number;
  key: number;
  submittedAt: number;
  updatedAt: number;
  state: JobState;
  txId: string;
  reason?: Reason;
  receipt?: Receipt;
}

export type Command =
  /** `start`: the leader had a free slot and nothing waiting, so a new order starts in this entry. */
  | { op: "submit"; id: string; payload: OrderPayload; at: number; start?: true }
  | { op: "start"; jobId: string; at: number }
  | {
      op: "decide";
      txId: string;
      decision: tpc.Decision;
      votes: tpc.Vote[];
      reason?: Reason;
      at: number;
      note?: string;
    }
  | { op: "finish"; txId: string; receipt?: Receipt; at: number }
  | { op: "pause"; paused: boolean };

export type CommandResult =
  | { ok: true; job?: Job; created?: boolean; tx?: tpc.Transaction }
  | { ok: false; code: "NOT_FOUND" | "CONFLICT"; message: string };

/** The transaction of an order: one per order, named after it. */
export function transactionIdOf(jobId: string): string {
  return `tx-${jobId}`;
}

interface Snapshot {
  v: 1;
  seq: number;
  paused: boolean;
  jobs: Job[];
  txs: tpc.Transaction[];
  /** Finished job ids, oldest first (the order they are forgotten in). */
  finished: string[];
  reasons: [string, Reason][];
}

const codec = jsonCodec<Command>();
export const encodeCommand = codec.encode;
export const decodeCommand = codec.decode;

export interface OrderStateOptions {
  /** Finished orders kept for GetJob; the oldest are forgotten first. */
  retainFinished?: number;
  /** Told of every changed order (after the change), e.g. to push it to watchers. */
  onChange?: (job: Job, tx: tpc.Transaction | undefined) => void;
}

export class OrderState implements StateMachine<CommandResult | undefined> {
  readonly jobs = new Map<string, Job>();
  readonly txs = new Map<string, tpc.Transaction>();
  /** Unfinished transactions (the orders executing now). */
  readonly active = new Map<string, tpc.Transaction>();
  /** Waiting orders in the order they run: highest key first, then arrival. */
  pending: Job[] = [];
  paused = false;
  appliedIndex = 0;
  private seq = 0;
  private finished: string[] = [];
  /** The reason an ABORT was decided with, until the order finishes. */
  private readonly reasons = new Map<string, Reason>();
  private readonly retainFinished: number;

  constructor(private readonly options: OrderStateOptions = {}) {
    this.retainFinished = options.retainFinished ?? 100_000;
  }

  apply(entry: AppliedEntry): CommandResult | undefined {
    this.appliedIndex = entry.index;
    if (entry.data.length === 0) return undefined; // the leader's no-op
    return this.execute(decodeCommand(entry.data));
  }

  execute(c: Command): CommandResult {
    switch (c.op) {
      case "submit": {
        const r = this.submit(c.id, c.payload, c.at);
        if (!(c.start && r.ok && r.created && !this.paused)) return r;
        const started = this.start(c.id, c.at);
        return started.ok ? { ...started, created: true } : started;
      }
      case "start":
        return this.start(c.jobId, c.at);
      case "decide":
        return this.decide(c);
      case "finish":
        return this.finish(c.txId, c.receipt, c.at);
      case "pause":
        this.paused = c.paused;
        return { ok: true };
    }
  }

  /**
   * What GetDecision answers about a transaction (read on an up-to-date replica): its decision,
   * PENDING while undecided, and ABORT for one this cluster never started (presumed abort; a
   * finished one is forgotten only after every participant acknowledged its decision, so none asks).
   */
  decisionOf(txId: string): tpc.Decision | "PENDING" {
    const tx = this.txs.get(txId);
    if (!tx) return "ABORT";
    return tx.decision ?? "PENDING";
  }

  snapshot(): Uint8Array {
    const image: Snapshot = {
      v: 1,
      seq: this.seq,
      paused: this.paused,
      jobs: [...this.jobs.values()],
      txs: [...this.txs.values()],
      finished: this.finished,
      reasons: [...this.reasons],
    };
    return new TextEncoder().encode(JSON.stringify(image));
  }

  restore(data: Uint8Array): void {
    const image = JSON.parse(new TextDecoder().decode(data)) as Snapshot;
    this.jobs.clear();
    this.txs.clear();
    this.active.clear();
    this.reasons.clear();
    for (const job of image.jobs) this.jobs.set(job.id, job);
    for (const tx of image.txs) {
      this.txs.set(tx.id, tx);
      if (!tpc.isFinished(tx)) this.active.set(tx.id, tx);
    }
    for (const [id, reason] of image.reasons) this.reasons.set(id, reason);
    this.seq = image.seq;
    this.paused = image.paused;
    this.finished = image.finished;
    this.pending = image.jobs
      .filter((j) => j.state === "PENDING")
      .sort((a, b) => (runsBefore(a, b) ? -1 : 1));
  }

  // ---- transitions ---------------------------------------------------------------------------

  private submit(id: string, payload: OrderPayload, at: number): CommandResult {
    const existing = this.jobs.get(id);
    if (existing) return { ok: true, job: existing, created: false };
    const base = basePriority(payload);
    const job: Job = {
      id,
      seq: ++this.seq,
      payload,
      base,
      key: queueKey(base, at),
      submittedAt: at,
      updatedAt: at,
      state: "PENDING",
      txId: transactionIdOf(id),
    };
    this.jobs.set(id, job);
    this.enqueue(job);
    this.options.onChange?.(job, undefined);
    return { ok: true, job, created: true };
  }

  private start(jobId: string, at: number): CommandResult {
    const job = this.jobs.get(jobId);
    if (!job) return { ok: false, code: "NOT_FOUND", message: `no order ${jobId}` };
    if (job.state !== "PENDING") return { ok: true, job }; // started already (a repeated proposal)
    this.pending.splice(this.pending.indexOf(job), 1);
    const tx = tpc.begin(job.txId, job.id, at);
    this.txs.set(tx.id, tx);
    this.active.set(tx.id, tx);
    const started = this.replace(job, { state: "EXECUTING", updatedAt: at });
    this.options.onChange?.(started, tx);
    return { ok: true, job: started, tx };
  }

  private decide(c: Extract<Command, { op: "decide" }>): CommandResult {
    const tx = this.txs.get(c.txId);
    if (!tx) return { ok: false, code: "NOT_FOUND", message: `no transaction ${c.txId}` };
    // First decision wins: a later one (a deposed leader's, a presumed abort racing a commit) is void.
    if (tx.decision !== undefined) return { ok: true, tx };
    const decided = tpc.decide(tx, c.decision, c.votes, c.at, c.note);
    this.txs.set(tx.id, decided);
    this.active.set(tx.id, decided);
    if (c.decision === "ABORT" && c.reason) this.reasons.set(tx.id, c.reason);
    const job = this.jobs.get(tx.jobId);
    if (job) this.options.onChange?.(job, decided);
    return { ok: true, tx: decided, ...(job ? { job } : {}) };
  }

  private finish(txId: string, receipt: Receipt | undefined, at: number): CommandResult {
    const tx = this.txs.get(txId);
    if (!tx) return { ok: false, code: "NOT_FOUND", message: `no transaction ${txId}` };
    if (tpc.isFinished(tx)) return { ok: true, tx };
    const done = tpc.finish(tx, at);
    this.txs.set(txId, done);
    this.active.delete(txId);
    const job = this.jobs.get(tx.jobId);
    tpc.invariant(job?.state === "EXECUTING", `${txId} finishes an executing order`);
    const reason = this.reasons.get(txId);
    this.reasons.delete(txId);
    const finished =
      done.phase === "COMMITTED"
        ? this.replace(job, { state: "COMPLETED", updatedAt: at, ...(receipt ? { receipt } : {}) })
        : this.replace(job, { state: "FAILED", updatedAt: at, ...(reason ? { reason } : {}) });
    this.options.onChange?.(finished, done);
    this.forgetOldest(job.id);
    return { ok: true, job: finished, tx: done };
  }

  private replace(job: Job, changes: Partial<Job>): Job {
    const next = { ...job, ...changes };
    this.jobs.set(job.id, next);
    return next;
  }

  /** Binary insertion into the waiting queue. */
  private enqueue(job: Job): void {
    let lo = 0;
    let hi = this.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (runsBefore(this.pending[mid] as Job, job)) lo = mid + 1;
      else hi = mid;
    }
    this.pending.splice(lo, 0, job);
  }

  private forgetOldest(finishedId: string): void {
    this.finished.push(finishedId);
    while (this.finished.length > this.retainFinished) {
      const old = this.finished.shift() as string;
      const job = this.jobs.get(old);
      if (job) this.txs.delete(job.txId);
      this.jobs.delete(old);
    }
  }
}
