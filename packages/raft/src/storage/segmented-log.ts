// Append-only log on disk, split in numbered segment files. Every batch is written with one write
// and made durable with one fdatasync. Later entry records supersede earlier ones at the same index
// (that is how a follower's conflicting suffix is truncated without rewriting files).
import { mkdirSync, readdirSync, readFileSync, truncateSync } from "node:fs";
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

const name = (seq: number) => `${String(seq).padStart(16, "0")}.log`;

export class SegmentedLog {
  private segments: Segment[];
  private fh: FileHandle;
  private size: number;
  private hardState: HardState;
  private dirFh: FileHandle | undefined;

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    segments: Segment[],
    fh: FileHandle,
    size: number,
    hardState: HardState,
  ) {
    this.segments = segments;
    this.fh = fh;
    this.size = size;
    this.hardState = hardState;
  }

  static async open(
    dir: string,
    segmentBytes = 64 << 20,
  ): Promise<{ log: SegmentedLog; recovered: Recovered }> {
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
      const scan = scanRecords(buf);
      const last = i === files.length - 1;
      if (scan.stop === "corrupt" || (scan.stop === "torn" && !last)) {
        throw new CorruptLogError(
          path,
          scan.validEnd,
          scan.stop === "corrupt" ? "checksum mismatch" : "truncated record",
        );
      }
      if (scan.stop === "torn") {
        // An unacknowledged write cut short by a crash: drop it.
        truncateSync(path, scan.validEnd);
        rec.truncatedBytes = buf.length - scan.validEnd;
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
    const fh = await open(active.path, "a");
    const { size } = await fh.stat();
    const log = new SegmentedLog(dir, segmentBytes, segments, fh, size, rec.hardState);
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
    await this.fh.write(buf);
    this.size += buf.length;
    await this.fh.datasync();
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
    await this.fh.close();
    const prev = this.segments[this.segments.length - 1] as Segment;
    const seg: Segment = { seq: prev.seq + 1, path: join(this.dir, name(prev.seq + 1)), maxIndex: 0 };
    this.segments.push(seg);
    this.fh = await open(seg.path, "a");
    // Each segment starts with the hard state, so deleting older segments never loses term/vote.
    const hs = frame(encodeHardState(this.hardState));
    await this.fh.write(hs);
    this.size = hs.length;
    await this.fh.datasync();
    this.dirFh ??= await open(this.dir, "r");
    await this.dirFh.sync();
  }

  segmentCount(): number {
    return this.segments.length;
  }

  async close(): Promise<void> {
    await this.fh.close();
    await this.dirFh?.close();
    this.dirFh = undefined;
  }
}
