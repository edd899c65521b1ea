// Durable storage for one node: the segmented log (entries + hard state) and the snapshot store.
// `persist(ready)` is the one-fsync-per-Ready write path of the driver.
import { join } from "node:path";
import type { InitialState } from "../core/raft.js";
import type { ConfState, HardState, Ready, Snapshot } from "../core/types.js";
import { CorruptLogError } from "./record-codec.js";
import { SegmentedLog } from "./segmented-log.js";
import { SnapshotStore } from "./snapshot-store.js";

export interface DiskStorageOptions {
  segmentBytes?: number;
  /** Preallocate the log's active segment in steps of this many bytes (0 = off); see segmented-log.ts. */
  preallocateBytes?: number;
}

export class DiskStorage {
  private synced: { term: number; vote: string };
  private deferred: HardState | undefined;

  private constructor(
    private readonly log: SegmentedLog,
    private readonly snapshots: SnapshotStore,
    hs: HardState,
  ) {
    this.synced = { term: hs.term, vote: hs.vote };
  }

  static async open(
    dir: string,
    bootstrap: ConfState,
    opts: DiskStorageOptions = {},
  ): Promise<{ storage: DiskStorage; initial: InitialState; truncatedBytes: number }> {
    const snapshots = new SnapshotStore(join(dir, "snap"));
    const snapshot = snapshots.loadLatest();
    const { log, recovered } = await SegmentedLog.open(join(dir, "wal"), {
      ...(opts.segmentBytes !== undefined ? { segmentBytes: opts.segmentBytes } : {}),
      ...(opts.preallocateBytes !== undefined ? { preallocateBytes: opts.preallocateBytes } : {}),
    });
    if (recovered.reset && (!snapshot || snapshot.index < recovered.reset.index)) {
      throw new CorruptLogError(
        dir,
        0,
        `log reset to snapshot ${recovered.reset.index} but that snapshot is missing`,
      );
    }
    const base = snapshot?.index ?? 0;
    let entries = recovered.entries.filter((e) => e.index > base);
    const first = recovered.entries[0]?.index ?? 0;
    const atSnap = snapshot && base >= first ? recovered.entries[base - first] : undefined;
    // Crashed after saving a leader's snapshot but before the reset record: the old suffix is void.
    if (snapshot && atSnap && atSnap.term !== snapshot.term) entries = [];
    if (entries.length > 0 && (entries[0]?.index ?? 0) !== base + 1) {
      throw new CorruptLogError(dir, 0, `log starts at ${entries[0]?.index}, snapshot ends at ${base}`);
    }
    const initial: InitialState = { hardState: recovered.hardState, entries, bootstrap };
    if (snapshot) initial.snapshot = snapshot;
    return {
      storage: new DiskStorage(log, snapshots, recovered.hardState),
      initial,
      truncatedBytes: recovered.truncatedBytes,
    };
  }

  /** Makes a Ready durable: snapshot first (atomic file), then entries + hard state with one fdatasync. */
  async persist(rd: Ready): Promise<void> {
    if (rd.snapshot) await this.snapshots.save(rd.snapshot);
    // Only entries, term and vote must be durable before we act on them. A commit-index-only change
    // is not written now but rides along with the next durable write (etcd's MustSync); after a
    // crash the commit index is relearned from the leader.
    const hs = rd.hardState ?? this.deferred;
    const sync =
      rd.entries.length > 0 ||
      rd.snapshot !== undefined ||
      (hs !== undefined && (hs.term !== this.synced.term || hs.vote !== this.synced.vote));
    if (!sync) {
      this.deferred = hs;
      return;
    }
    this.deferred = undefined;
    if (hs) this.synced = { term: hs.term, vote: hs.vote };
    await this.log.append({
      entries: rd.entries,
      ...(hs ? { hardState: hs } : {}),
      ...(rd.snapshot ? { reset: { index: rd.snapshot.index, term: rd.snapshot.term } } : {}),
    });
  }

  /** After a local snapshot: store it, then drop the segments it covers. */
  async saveSnapshot(s: Snapshot): Promise<void> {
    await this.snapshots.save(s);
    await this.log.compact(s.index);
  }

  segmentCount(): number {
    return this.log.segmentCount();
  }

  async close(): Promise<void> {
    await this.log.close();
  }
}
