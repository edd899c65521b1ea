// A two-phase-commit transaction as the coordinator records it in its replicated log: pure
// transitions, each asserting the protocol's rules. The states are the seed design's:
//
//   STARTED → PREPARING → COMMITTING → COMMITTED
//                       ↘ ABORTING  → ABORTED
//
// The decision (COMMIT or ABORT) is an entry of the log: phase two — telling participants to commit
// or abort — may only start once that entry is committed, and a decision never changes.

export type TxPhase = "STARTED" | "PREPARING" | "COMMITTING" | "COMMITTED" | "ABORTING" | "ABORTED";
export type Decision = "COMMIT" | "ABORT";
export type Participant = "stock" | "payment";
export const PARTICIPANTS: readonly Participant[] = ["stock", "payment"];

export interface Vote {
  participant: Participant;
  yes: boolean;
  /** The participant's reason code when yes is false (UNAVAILABLE: it did not answer in time). */
  code?: string;
  message?: string;
  /** Stock: the key that could not be reserved and what was left of it. */
  key?: string;
  available?: number;
}

export interface TxEvent {
  phase: TxPhase;
  /** Leader's wall clock (ms) when the entry was proposed. */
  at: number;
  note?: string;
}

export interface Transaction {
  id: string;
  jobId: string;
  phase: TxPhase;
  decision?: Decision;
  /** The votes the decision was taken on (COMMIT needs a yes from every participant). */
  votes: Vote[];
  history: TxEvent[];
}

export class ProtocolViolation extends Error {
  override name = "ProtocolViolation";
}

export function invariant(condition: unknown, what: string): asserts condition {
  if (!condition) throw new ProtocolViolation(`two-phase commit invariant violated: ${what}`);
}

/** A new transaction, already asking its participants to prepare. */
export function begin(id: string, jobId: string, at: number): Transaction {
  return {
    id,
    jobId,
    phase: "PREPARING",
    votes: [],
    history: [
      { phase: "STARTED", at },
      { phase: "PREPARING", at },
    ],
  };
}

/**
 * The decision, taken once: COMMIT only on a yes from every participant; ABORT on any no, any
 * failure to answer, or as the presumed outcome when a new leader finds the transaction undecided.
 */
export function decide(
  tx: Transaction,
  decision: Decision,
  votes: Vote[],
  at: number,
  note?: string,
): Transaction {
  invariant(
    tx.phase === "PREPARING" && tx.decision === undefined,
    `${tx.id} is decided only once (is ${tx.phase})`,
  );
  if (decision === "COMMIT") {
    for (const p of PARTICIPANTS) {
      invariant(
        votes.some((v) => v.participant === p && v.yes),
        `${tx.id} commits only with a yes from ${p}`,
      );
    }
  }
  const phase = decision === "COMMIT" ? "COMMITTING" : "ABORTING";
  return {
    ...tx,
    phase,
    decision,
    votes,
    history: [...tx.history, { phase, at, ...(note ? { note } : {}) }],
  };
}

/** Every participant acknowledged phase two. */
export function finish(tx: Transaction, at: number): Transaction {
  invariant(
    tx.phase === "COMMITTING" || tx.phase === "ABORTING",
    `${tx.id} finishes only after a decision (is ${tx.phase})`,
  );
  const phase = tx.phase === "COMMITTING" ? "COMMITTED" : "ABORTED";
  return { ...tx, phase, history: [...tx.history, { phase, at }] };
}

/** Phase two may run: the decision is in the log. */
export function phaseTwo(tx: Transaction): Decision | undefined {
  return tx.phase === "COMMITTING" || tx.phase === "ABORTING" ? tx.decision : undefined;
}

export function isFinished(tx: Transaction): boolean {
  return tx.phase === "COMMITTED" || tx.phase === "ABORTED";
}
