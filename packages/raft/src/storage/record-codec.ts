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

export function scanRecords(buf: Buffer): Scan {
  const payloads: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    if (allZero(buf, off)) return { payloads, validEnd: off, stop: "torn" }; // zero-filled tail
    if (off + HEADER > buf.length) return { payloads, validEnd: off, stop: "torn" };
    const len = buf.readUInt32LE(off);
    const sum = buf.readUInt32LE(off + 4);
    if (off + HEADER + len > buf.length) return { payloads, validEnd: off, stop: "torn" };
    const payload = buf.subarray(off + HEADER, off + HEADER + len);
    if (crc32(payload) !== sum) return { payloads, validEnd: off, stop: "corrupt" };
    payloads.push(payload);
    off += HEADER + len;
  }
  return { payloads, validEnd: off };
}

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
