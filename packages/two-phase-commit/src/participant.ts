// One participant's side of two-phase commit as pure bookkeeping: per transaction id, PREPARED
// (holding a resource) → COMMITTED | ABORTED. No I/O and no clock (times come in from the caller),
// so a replicated state machine can use it as is. What the resource is (reserved stock, a payment
// hold) and whether it can be had is the caller's business; the ledger enforces the protocol:
// - a repeated Prepare, Commit or Abort answers as the first one did (idempotent by transaction id);
// - an Abort is remembered even for a transaction never seen (presumed abort), so a Prepare that
//   arrives after it votes no instead of holding a resource nobody would release;
// - Commit after Abort and Abort after Commit are refused;
// - decided ids are remembered in a bounded FIFO (oldest forgotten first); open ones are all kept.
import { InvariantError } from "@bookstore/raft";

export type Decision = "committed" | "aborted";
export type TxStatus = "prepared" | Decision;

export interface Prepared<R> {
  resource: R;
  /** Address of the coordinator to ask (GetDecision) if the decision never comes. */
  coordinator: string;
  /** The proposer's wall clock at Prepare (ms), for the resolver's timeout. */
  at: number;
}

/** What the caller's acquire step returns: the resource it now holds, or why it cannot. */
export type Acquire<R, F> = { ok: true; resource: R } | { ok: false; refusal: F };

export type PrepareOutcome<F> =
  /** `first`: this call acquired the resource; otherwise a repeat of a yes vote. */
  | { vote: true; first: boolean }
  | { vote: false; reason: "ALREADY_ABORTED" }
  | { vote: false; reason: "REFUSED"; refusal: F };

export type DecideRefusal = "ALREADY_ABORTED" | "ALREADY_COMMITTED" | "NOT_PREPARED";

export type DecideOutcome<R> =
  /** `released`: the resource to turn into effect (commit) or give back (abort); absent on repeats. */
  { ok: true; released?: Prepared<R> } | { ok: false; reason: DecideRefusal };

export interface LedgerImage<R> {
  prepared: [string, Prepared<R>][];
  decided: [string, Decision][];
}

/** Safety assertions of the protocol: they throw, so tests see a violation at once. */
export function invariant(cond: unknown, what: string): asserts cond {
  if (!cond) throw new InvariantError(`2PC invariant violated: ${what}`);
}

export class ParticipantLedger<R> {
  private readonly open = new Map<string, Prepared<R>>();
  private readonly decided = new Map<string, Decision>();

  /** `memory`: how many decided transaction ids are remembered (oldest forgotten first). */
  constructor(private readonly memory = 100_000) {
    invariant(Number.isSafeInteger(memory) && memory >= 1, "memory must be a positive integer");
  }

  status(tx: string): TxStatus | undefined {
    return this.open.has(tx) ? "prepared" : this.decided.get(tx);
  }

  /** The open (prepared, undecided) transaction, if any. */
  get(tx: string): Prepared<R> | undefined {
    return this.open.get(tx);
  }

  /** Every open transaction, oldest prepared first. */
  openTransactions(): IterableIterator<[string, Prepared<R>]> {
    return this.open.entries();
  }

  get openCount(): number {
    return this.open.size;
  }

  /**
   * Phase one. `acquire` runs only for a transaction this ledger has never seen; when it yields a
   * resource the transaction is PREPARED holding it. A refusal records nothing (the coordinator's
   * Abort will follow, or a retry may succeed once the resource is free).
   */
  prepare<F>(tx: string, coordinator: string, at: number, acquire: () => Acquire<R, F>): PrepareOutcome<F> {
    const status = this.status(tx);
    if (status === "aborted") return { vote: false, reason: "ALREADY_ABORTED" };
    if (status !== undefined) return { vote: true, first: false };
    const got = acquire();
    if (!got.ok) return { vote: false, reason: "REFUSED", refusal: got.refusal };
    invariant(this.status(tx) === undefined, `acquire() for ${tx} changed the ledger`);
    this.open.set(tx, { resource: got.resource, coordinator, at });
    return { vote: true, first: true };
  }

  /** Phase two, COMMIT: only a prepared (or already committed) transaction. */
  commit(tx: string): DecideOutcome<R> {
    const held = this.open.get(tx);
    if (held) return { ok: true, released: this.decide(tx, "committed", held) };
    const d = this.decided.get(tx);
    if (d === "committed") return { ok: true };
    return { ok: false, reason: d === "aborted" ? "ALREADY_ABORTED" : "NOT_PREPARED" };
  }

  /** Phase two, ABORT: releases a prepared transaction; remembered even if never prepared here. */
  abort(tx: string): DecideOutcome<R> {
    const held = this.open.get(tx);
    if (held) return { ok: true, released: this.decide(tx, "aborted", held) };
    const d = this.decided.get(tx);
    if (d === "committed") return { ok: false, reason: "ALREADY_COMMITTED" };
    if (d === undefined) this.remember(tx, "aborted");
    return { ok: true };
  }

  snapshot(): LedgerImage<R> {
    return { prepared: [...this.open], decided: [...this.decided] };
  }

  restore(image: LedgerImage<R>): void {
    this.open.clear();
    this.decided.clear();
    for (const [tx, p] of image.prepared) this.open.set(tx, p);
    for (const [tx, d] of image.decided) {
      invariant(!this.open.has(tx), `${tx} is both prepared and decided in the snapshot`);
      this.remember(tx, d);
    }
  }

  private decide(tx: string, decision: Decision, held: Prepared<R>): Prepared<R> {
    this.open.delete(tx);
    this.remember(tx, decision);
    return held;
  }

  /** Insert into the bounded FIFO memory (deterministic eviction: oldest first). */
  private remember(tx: string, decision: Decision): void {
    const before = this.decided.get(tx);
    invariant(before === undefined || before === decision, `${tx} was ${before}, cannot become ${decision}`);
    invariant(!this.open.has(tx), `${tx} is decided while still prepared`);
    if (before !== undefined) return;
    this.decided.set(tx, decision);
    if (this.decided.size > this.memory) {
      const oldest = this.decided.keys().next();
      if (!oldest.done) this.decided.delete(oldest.value);
    }
  }
}
