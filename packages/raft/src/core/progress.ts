// What the leader knows about one follower (etcd's tracker.Progress): probe one message at a time
// until a match is found, then replicate optimistically within an inflight window, or wait on a snapshot.

export type ProgressState = "probe" | "replicate" | "snapshot";

/** Bounded window of in-flight appends, identified by their last index. */
export class Inflights {
  private readonly buf: number[] = [];
  constructor(readonly capacity: number) {}
  add(lastIndex: number): void {
    this.buf.push(lastIndex);
  }
  freeLE(index: number): void {
    let n = 0;
    while (n < this.buf.length && (this.buf[n] as number) <= index) n++;
    if (n > 0) this.buf.splice(0, n);
  }
  freeFirstOne(): void {
    this.buf.shift();
  }
  full(): boolean {
    return this.buf.length >= this.capacity;
  }
  count(): number {
    return this.buf.length;
  }
  reset(): void {
    this.buf.length = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  probeSent = false;
  pendingSnapshot = 0;
  snapshotTicks = 0;
  recentActive = false;
  readonly inflights: Inflights;

  constructor(
    next: number,
    maxInflight: number,
    public isLearner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  becomeProbe(): void {
    if (this.state === "snapshot") {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.reset("probe");
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.reset("replicate");
  }

  becomeSnapshot(index: number): void {
    this.reset("snapshot");
    this.pendingSnapshot = index;
    this.snapshotTicks = 0;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  /** An acknowledgement up to `n`; false if it was stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** A rejection of the append after `rejected`; `matchHint` is the follower's guess. False if stale. */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }
}
