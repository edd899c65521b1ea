// On-disk record framing: [u32 payload length][u32 crc32(payload)][payload], little-endian.
// A short record at the end of the last segment is a torn write; a checksum mismatch is corruption.
import { crc32 } from "node:zlib";

export const HEADER = 8;

export class CorruptLogError extends Error {
  override name = "CorruptLogError";
  constructor(
    readonly file: string,
    readonly offset: number,
    what: string,
  ) {
    super(`${file} @${offset}: ${what}`);
  }
}

export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  out.set(payload, HEADER);
  return out;
}

export interface Scan {
  payloads: Buffer[];
  /** Offset just past the last good record. */
  validEnd: number;
  /** Why scanning stopped before the end of the buffer, if it did. */
  stop?: "torn" | "corrupt";
}

/**
 * `preallocated`: the file was zero-filled ahead of the writes, so a write cut short by a crash
 * leaves whole sectors of zeros inside its record instead of a short file. As in etcd's WAL, the
 * last record failing its checksum is then a torn write (not corruption) when nothing but zeros
 * follows it and one of its sectors is all zeros; a zero header is where writing stopped.
 */
export function scanRecords(buf: Buffer, preallocated = false): Scan {
  const payloads: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    if (allZero(buf, off)) return { payloads, validEnd: off, stop: "torn" }; // zero-filled tail
    if (off + HEADER > buf.length) return { payloads, validEnd: off, stop: "torn" };
    const len = buf.readUInt32LE(off);
    const sum = buf.readUInt32LE(off + 4);
    if (preallocated && len === 0 && sum === 0) return { payloads, validEnd: off, stop: "torn" };
    if (off + HEADER + len > buf.length) return { payloads, validEnd: off, stop: "torn" };
    const payload = buf.subarray(off + HEADER, off + HEADER + len);
    if (crc32(payload) !== sum) {
      const end = off + HEADER + len;
      const torn = preallocated && allZero(buf, end) && hasZeroSector(buf, off, end);
      return { payloads, validEnd: off, stop: torn ? "torn" : "corrupt" };
    }
    payloads.push(payload);
    off += HEADER + len;
  }
  return { payloads, validEnd: off };
}

const SECTOR = 512;

/** Whether a sector-aligned piece of [from, to) is all zeros (a sector the crash never wrote). */
function hasZeroSector(buf: Buffer, from: number, to: number): boolean {
  for (let start = from; start < to; ) {
    const next = Math.min(to, (Math.floor(start / SECTOR) + 1) * SECTOR);
    let zero = true;
    for (let i = start; i < next; i++) {
      if (buf[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) return true;
    start = next;
  }
  return false;
}

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
