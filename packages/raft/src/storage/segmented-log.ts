// Append-only log on disk, split in numbered segment files. Every batch is written with one write
// and made durable with one fdatasync. Later entry records supersede earlier ones at the same index
// (that is how a follower's conflicting suffix is truncated without rewriting files).
// Optionally the active segment is preallocated (zero-filled and synced ahead of the writes, like
// etcd's WAL): an fdatasync that does not change the file size flushes only the data, with no
// filesystem journal commit, which is what makes it slow under concurrent disk load. The zero
// tail left by a crash is the "zero-filled tail" recovery already truncates; segments are trimmed
// to their written size when rolled or closed.
import { constants, mkdirSync, readdirSync, readFileSync, truncateSync } from "node:fs";
import { type FileHandle, open, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Entry, HardState } from "../core/types.js";
import { NONE } from "../core/types.js";
import { decodePayload, encodeEntry, encodeHardState, encodeReset } from "./hard-state.js";
import { CorruptLogError, frame, scanRecords } from "./record-codec.js";

export interface Recovered {
  hardState: HardState;
  /** Contiguous entries as last written (may start at or before the snapshot index). */
  entries: Entry[];
  /** Last snapshot reset seen in the log, if any. */
  reset?: { index: number; term: number };
  /** Bytes dropped from a torn tail. */
  truncatedBytes: number;
}

export interface SegmentedLogOptions {
  segmentBytes?: number;
  /** Preallocate the active segment in steps of this many bytes; 0 = grow with every write. */
  preallocateBytes?: number;
}

export interface AppendBatch {
  entries: Entry[];
  hardState?: HardState;
  reset?: { index: number; term: number };
}

interface Segment {
  seq: number;
  path: string;
  maxIndex: number;
}

const RW_CREATE = constants.O_RDWR | constants.O_CREAT;

const name = (seq: number) => `${String(seq).padStart(16, "0")}.log`;

export class SegmentedLog {
  private segments: Segment[];
  private fh: FileHandle;
  private size: number;
  private hardState: HardState;
  private dirFh: FileHandle | undefined;
  /** Bytes of the active segment that are allocated and durable (size ≤ allocated). */
  private allocated: number;
  /** A background preallocation step in flight. */
  private extending: Promise<void> | undefined;

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly preallocateBytes: number,
    segments: Segment[],
    fh: FileHandle,
    size: number,
    hardState: HardState,
  ) {
    this.segments = segments;
    this.fh = fh;
    this.size = size;
    this.allocated = size;
    this.hardState = hardState;
  }

  static async open(
    dir: string,
    options: number | SegmentedLogOptions = {},
  ): Promise<{ log: SegmentedLog; recovered: Recovered }> {
    const opts = typeof options === "number" ? { segmentBytes: options } : options;
    const segmentBytes = opts.segmentBytes ?? 64 << 20;
    const preallocateBytes = opts.preallocateBytes ?? 0;
    mkdirSync(dir, { recursive: true });
    const files = readdirSync(dir)
      .filter((f) => /^\d{16}\.log$/.test(f))
      .sort();
    const rec: Recovered = { hardState: { term: 0, vote: NONE, commit: 0 }, entries: [], truncatedBytes: 0 };
    const segments: Segment[] = [];
    for (let i = 0; i < files.length; i++) {
      const file = files[i] as string;
      const path = join(dir, file);
      const buf = readFileSync(path);
      const scan = scanRecords(buf, preallocateBytes > 0);
      const last = i === files.length - 1;
      if (scan.stop === "corrupt" || (scan.stop === "torn" && !last)) {
        throw new CorruptLogError(
          path,
          scan.validEnd,
          scan.stop === "corrupt" ? "checksum mismatch" : "truncated record",
        );
      }
      if (scan.stop === "torn") {
        // An unacknowledged write cut short by a crash: drop it. (A zero tail of a preallocated
        // segment is free space, not lost data: it is trimmed without being reported.)
        truncateSync(path, scan.validEnd);
        const zeroTail = preallocateBytes > 0 && isZero(buf, scan.validEnd);
        rec.truncatedBytes = zeroTail ? 0 : buf.length - scan.validEnd;
      }
      let maxIndex = 0;
      for (const p of scan.payloads) {
        const d = decodePayload(p);
        if (d.kind === "hardState") rec.hardState = d.hardState;
        else if (d.kind === "reset") {
          rec.reset = { index: d.index, term: d.term };
          rec.entries = [];
        } else {
          const e = d.entry;
          maxIndex = Math.max(maxIndex, e.index);
          const first = rec.entries[0]?.index ?? e.index;
          const last = first + rec.entries.length - 1;
          if (rec.entries.length === 0 || e.index > last + 1) rec.entries = [e];
          else {
            if (e.index <= last) rec.entries.length = e.index - first;
            rec.entries.push(e);
          }
        }
      }
      segments.push({ seq: Number(file.slice(0, 16)), path, maxIndex });
    }
    if (segments.length === 0) segments.push({ seq: 1, path: join(dir, name(1)), maxIndex: 0 });
    const active = segments[segments.length - 1] as Segment;
    // Positional writes at the known end ("a" would ignore the position on Linux).
    const fh = await open(active.path, preallocateBytes > 0 ? RW_CREATE : "a");
    const { size } = await fh.stat();
    const log = new SegmentedLog(dir, segmentBytes, preallocateBytes, segments, fh, size, rec.hardState);
    return { log, recovered: rec };
  }

  /** Writes the batch and fdatasyncs once. Entries whose index ≤ the last one overwrite that suffix. */
  async append(batch: AppendBatch): Promise<void> {
    if (this.size >= this.segmentBytes) await this.roll();
    const parts: Buffer[] = [];
    if (batch.reset) parts.push(frame(encodeReset(batch.reset.index, batch.reset.term)));
    const active = this.segments[this.segments.length - 1] as Segment;
    for (const e of batch.entries) {
      parts.push(frame(encodeEntry(e)));
      if (e.index > active.maxIndex) active.maxIndex = e.index;
    }
    if (batch.hardState) {
      parts.push(frame(encodeHardState(batch.hardState)));
      this.hardState = batch.hardState;
    }
    if (parts.length === 0) return;
    const buf = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    if (this.preallocateBytes === 0) {
      await this.fh.write(buf);
      this.size += buf.length;
      await this.fh.datasync();
      return;
    }
    const end = this.size + buf.length;
    if (end > this.allocated && this.extending) await this.extending;
    if (end > this.allocated) await this.extend(end);
    await this.fh.write(buf, 0, buf.length, this.size);
    this.size = end;
    await this.fh.datasync();
    // Allocate the next step in the background once half of the current one is used: the next
    // writes then land in space that is already on disk. A write never overlaps a pending step
    // (it waits for it first), and a failed step surfaces in the write that needed it.
    if (
      !this.extending &&
      this.allocated - this.size < this.preallocateBytes / 2 &&
      this.size < this.segmentBytes
    ) {
      const step = this.extend(this.allocated + this.preallocateBytes);
      this.extending = step;
      step.then(
        () => {
          if (this.extending === step) this.extending = undefined;
        },
        () => {},
      );
    }
  }

  /** Zero-fills the active segment up to at least `target` bytes (one step at a time) and syncs. */
  private async extend(target: number): Promise<void> {
    const from = this.allocated;
    const to = Math.max(target, from + this.preallocateBytes);
    const fh = this.fh;
    await fh.write(Buffer.alloc(to - from), 0, to - from, from);
    await fh.datasync();
    if (this.fh === fh && this.allocated === from) this.allocated = to;
  }

  /** Waits for a background preallocation step (its failure is the next write's concern). */
  private async settle(): Promise<void> {
    if (this.extending) await this.extending.catch(() => {});
    this.extending = undefined;
  }

  /** Deletes whole segments that hold only entries covered by a snapshot at `index`. */
  async compact(index: number): Promise<void> {
    while (this.segments.length > 1) {
      const s = this.segments[0] as Segment;
      if (s.maxIndex > index) break;
      this.segments.shift();
      await rm(s.path, { force: true });
    }
  }

  private async roll(): Promise<void> {
    if (this.preallocateBytes > 0) {
      // Only the last segment may end in zeros: trim this one to what was written, durably.
      await this.settle();
      await this.fh.truncate(this.size);
      await this.fh.sync();
    }
    await this.fh.close();
    const prev = this.segments[this.segments.length - 1] as Segment;
    const seg: Segment = { seq: prev.seq + 1, path: join(this.dir, name(prev.seq + 1)), maxIndex: 0 };
    this.segments.push(seg);
    this.fh = await open(seg.path, this.preallocateBytes > 0 ? RW_CREATE : "a");
    this.allocated = 0;
    // Each segment starts with the hard state, so deleting older segments never loses term/vote.
    const hs = frame(encodeHardState(this.hardState));
    await this.fh.write(hs, 0, hs.length, 0);
    this.size = hs.length;
    this.allocated = Math.max(this.allocated, hs.length);
    await this.fh.datasync();
    this.dirFh ??= await open(this.dir, "r");
    await this.dirFh.sync();
  }

  segmentCount(): number {
    return this.segments.length;
  }

  async close(): Promise<void> {
    if (this.preallocateBytes > 0) {
      // A clean shutdown leaves no preallocated tail behind.
      await this.settle();
      await this.fh.truncate(this.size);
    }
    await this.fh.close();
    await this.dirFh?.close();
    this.dirFh = undefined;
  }
}

function isZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
