// The vocabulary of the pure core: what goes in (messages), what comes out (a Ready batch).

export type NodeId = string;
export const NONE: NodeId = "";

export type MessageType =
  | "append"
  | "appendResponse"
  | "vote"
  | "voteResponse"
  | "preVote"
  | "preVoteResponse"
  | "heartbeat"
  | "heartbeatResponse"
  | "snapshot"
  | "timeoutNow"
  | "readIndex"
  | "readIndexResponse";

export type EntryType = "normal" | "confChange";

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
  /** Opaque to the core: where each member listens, carried so snapshots can rebuild the address book. */
  addresses: Record<NodeId, string>;
}

export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

export interface Snapshot extends SnapshotMeta {
  data: Uint8Array;
}

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  snapshot?: Snapshot;
  /** ReadIndex request id, or "transfer" on a vote forced by leadership transfer. */
  context: string;
}

export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export type Role = "follower" | "preCandidate" | "candidate" | "leader";

export interface ReadState {
  index: number;
  context: string;
}

/** Everything the driver must do, in order: persist (one fsync), send, apply. */
export interface Ready {
  /** Set when term, vote or commit changed. */
  hardState?: HardState;
  /** Entries to append durably; the first may overwrite (truncate) a persisted suffix. */
  entries: Entry[];
  /** A snapshot received from the leader: persist it, reset the log, restore the state machine. */
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  readStates: ReadState[];
  /** Role and leader as of this batch. */
  role: Role;
  leader: NodeId;
  term: number;
}

export type ConfChangeType = "addVoter" | "addLearner" | "removeNode";

export interface ConfChange {
  type: ConfChangeType;
  id: NodeId;
  address: string;
  /**
   * The whole configuration after the change, filled in by the leader. A node that joined without
   * a snapshot never saw the bootstrap membership; this lets it learn it from the entry itself.
   */
  conf?: ConfState;
}

export const TRANSFER_CONTEXT = "transfer";

export class InvariantError extends Error {
  override name = "InvariantError";
}

/** Safety assertions that must never fail; they throw so tests and the simulator see them at once. */
export function invariant(cond: unknown, what: string): asserts cond {
  if (!cond) throw new InvariantError(`raft invariant violated: ${what}`);
}

export function encodeConfChange(cc: ConfChange): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(cc));
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  return JSON.parse(new TextDecoder().decode(data)) as ConfChange;
}

export function emptyMessage(type: MessageType, from: NodeId, to: NodeId, term: number): Message {
  return {
    type,
    from,
    to,
    term,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: "",
  };
}
