// The in-memory Raft log: a snapshot base, the entries after it, and how far they are persisted
// (stabled), committed and applied. Everything past `stabled` is the unstable suffix a Ready hands out.
import type { Entry, Snapshot } from "./types.js";
import { invariant } from "./types.js";

export class RaftLog {
  snapshot: Snapshot;
  private entries: Entry[];
  committed: number;
  applied: number;
  /** Last index known to be durable on this node's disk. */
  stabled: number;
  /** A snapshot received from the leader and not yet handed to the driver. */
  pendingSnapshot: Snapshot | undefined;

  constructor(snapshot: Snapshot, entries: Entry[], committed: number) {
    this.snapshot = snapshot;
    this.entries = entries.filter((e) => e.index > snapshot.index);
    for (let i = 0; i < this.entries.length; i++) {
      invariant(this.entries[i]?.index === snapshot.index + 1 + i, "restored log is contiguous");
    }
    this.stabled = this.lastIndex();
    this.committed = Math.min(Math.max(committed, snapshot.index), this.lastIndex());
    this.applied = snapshot.index;
    this.pendingSnapshot = undefined;
  }

  firstIndex(): number {
    return this.snapshot.index + 1;
  }

  lastIndex(): number {
    return this.snapshot.index + this.entries.length;
  }

  /** Term of the entry at `index`, or undefined when compacted away or not yet in the log. */
  term(index: number): number | undefined {
    if (index === this.snapshot.index) return this.snapshot.term;
    if (index < this.snapshot.index || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshot.index - 1]?.term;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  entry(index: number): Entry | undefined {
    if (index <= this.snapshot.index) return undefined;
    return this.entries[index - this.snapshot.index - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi), at most `maxCount` of them and roughly `maxBytes`. */
  slice(
    lo: number,
    hi: number,
    maxCount = Number.POSITIVE_INFINITY,
    maxBytes = Number.POSITIVE_INFINITY,
  ): Entry[] {
    invariant(lo > this.snapshot.index, "slice starts after the snapshot");
    const base = this.snapshot.index + 1;
    const end = Math.min(hi, this.lastIndex() + 1, lo + maxCount);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < end; i++) {
      const e = this.entries[i - base] as Entry;
      bytes += e.data.length + 24;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /** Index of the first entry that is new or conflicts with ours, or 0 if all are already present. */
  findConflict(ents: Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /** Largest index ≤ `index` whose term is ≤ `term` (fast back-off on rejection). */
  findConflictByTerm(index: number, term: number): [number, number] {
    for (let i = index; i >= this.snapshot.index; i--) {
      const t = this.term(i);
      if (t === undefined) return [i, 0];
      if (t <= term) return [i, t];
    }
    return [this.snapshot.index, this.snapshot.term];
  }

  /** Follower side of AppendEntries (§5.3); returns the last new index, or undefined on mismatch. */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, ents: Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      const first = ents[0] as Entry;
      this.append(ents.slice(ci - first.index));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** Appends, truncating any conflicting suffix first. Returns the new last index. */
  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const first = (ents[0] as Entry).index;
    invariant(
      first > this.committed,
      `never truncate committed entries (first=${first} committed=${this.committed})`,
    );
    invariant(first <= this.lastIndex() + 1, "append leaves no gap");
    const keep = first - this.snapshot.index - 1;
    if (keep < this.entries.length) this.entries.length = keep;
    for (const e of ents) this.entries.push(e);
    if (first <= this.stabled) this.stabled = first - 1;
    return this.lastIndex();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    invariant(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** Commits `index` only if it is from `term` (§5.4.2: never count replicas of older terms). */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  appliedTo(index: number): void {
    if (index <= this.applied) return;
    invariant(index <= this.committed, `applied ${index} beyond committed ${this.committed}`);
    this.applied = index;
  }

  /** Committed entries not yet handed to the state machine. */
  nextCommitted(maxCount: number): Entry[] {
    if (this.committed <= this.applied) return [];
    return this.slice(this.applied + 1, this.committed + 1, maxCount);
  }

  unstableEntries(): Entry[] {
    if (this.stabled >= this.lastIndex()) return [];
    return this.slice(this.stabled + 1, this.lastIndex() + 1);
  }

  /** Marks entries up to (index, term) durable, unless they were overwritten meanwhile. */
  stableTo(index: number, term: number): void {
    if (index > this.stabled && this.term(index) === term) this.stabled = index;
  }

  /** Replaces the whole log with a snapshot from the leader (§7). */
  restore(s: Snapshot): void {
    this.snapshot = s;
    this.entries = [];
    this.committed = s.index;
    this.applied = s.index;
    this.stabled = s.index;
    this.pendingSnapshot = s;
  }

  /** Drops entries covered by a locally taken snapshot (log compaction). */
  compact(s: Snapshot): void {
    invariant(s.index <= this.applied, "compact only applied entries");
    if (s.index <= this.snapshot.index) return;
    invariant(this.term(s.index) === s.term, "snapshot term matches the log");
    this.entries = this.entries.slice(s.index - this.snapshot.index);
    this.snapshot = s;
  }
}
