// A snapshot is sent as parts of bounded size, reassembled by the receiver. Found by a 30-minute
// nemesis soak: the db-node's snapshot (its records and the last 100,000 request ids) grew past
// 8 MiB, the largest message the db-node's gRPC server accepts, so every InstallSnapshot was refused
// at the receiver and a new member stayed a learner at index 0 for good. Parts keep every message
// far below any server's limit, and a large snapshot no longer holds one stream for one huge frame.
import type { RaftMessage } from "@bookstore/proto";

/** The default size of one part (1 MiB). */
export const SNAPSHOT_PART_BYTES = 1 << 20;
/** The largest snapshot a receiver assembles (a peer is trusted, but a bound keeps a bug bounded). */
export const MAX_SNAPSHOT_BYTES = 1 << 30;

/** The wire messages that carry `m`: `m` itself, or one message per part of its snapshot's data. */
export function splitSnapshot(m: RaftMessage, partBytes = SNAPSHOT_PART_BYTES): RaftMessage[] {
  const snapshot = m.snapshot;
  if (!snapshot || snapshot.data.length <= partBytes) return [m];
  const total = snapshot.data.length;
  const parts: RaftMessage[] = [];
  for (let offset = 0; offset < total; offset += partBytes) {
    const data = snapshot.data.subarray(offset, Math.min(total, offset + partBytes));
    parts.push({ ...m, snapshot: { ...snapshot, data }, part: { offset, total } });
  }
  return parts;
}

/**
 * Reassembles the parts arriving on one stream (in order, as a stream delivers them). A gap — a
 * part dropped by a congested sender — discards the snapshot; Raft sends it again.
 */
export class SnapshotAssembler {
  private buffer: Buffer | undefined;
  private received = 0;

  /** The whole message once its last part is in; `m` itself if it is not a part; else undefined. */
  accept(m: RaftMessage): RaftMessage | undefined {
    const part = m.part;
    if (!part) return m;
    const data = m.snapshot?.data ?? Buffer.alloc(0);
    if (part.offset === 0) this.start(part.total);
    const buffer = this.buffer;
    const inOrder = part.offset === this.received && part.total === buffer?.length;
    if (!buffer || !inOrder || this.received + data.length > buffer.length) {
      this.buffer = undefined;
      return undefined;
    }
    buffer.set(data, part.offset);
    this.received += data.length;
    if (this.received < buffer.length) return undefined;
    this.buffer = undefined;
    return { ...m, snapshot: m.snapshot && { ...m.snapshot, data: buffer }, part: undefined };
  }

  private start(total: number): void {
    const fits = Number.isSafeInteger(total) && total > 0 && total <= MAX_SNAPSHOT_BYTES;
    this.buffer = fits ? Buffer.allocUnsafe(total) : undefined;
    this.received = 0;
  }
}
