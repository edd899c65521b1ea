// What a service implements to run on Raft: deterministic apply, plus snapshot/restore for compaction.

export interface AppliedEntry {
  index: number;
  term: number;
  data: Uint8Array;
}

export interface StateMachine<R = unknown> {
  /** Applies one committed command; must be deterministic. The result resolves the proposer's promise. */
  apply(entry: AppliedEntry): R | Promise<R>;
  /** A serialised image of the state after the last applied entry. */
  snapshot(): Uint8Array | Promise<Uint8Array>;
  /** Replaces the state with a snapshot image. */
  restore(data: Uint8Array): void | Promise<void>;
}
