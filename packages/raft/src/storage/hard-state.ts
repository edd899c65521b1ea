// Payloads of the log's records: entries, the hard state (term, vote, commit) and snapshot resets.
// Term and vote live in the same append-only log as entries so one fdatasync makes both durable.
import type { Entry, HardState } from "../core/types.js";

export const ENTRY = 1;
export const HARD_STATE = 2;
/** "The log was replaced by a snapshot at (index, term)": entries before it are void. */
export const SNAPSHOT_RESET = 3;

const dec = new TextDecoder();

export function encodeEntry(e: Entry): Buffer {
  const b = Buffer.allocUnsafe(18 + e.data.length);
  b[0] = ENTRY;
  b[1] = e.type === "normal" ? 0 : 1;
  b.writeDoubleLE(e.term, 2);
  b.writeDoubleLE(e.index, 10);
  b.set(e.data, 18);
  return b;
}

export function encodeHardState(hs: HardState): Buffer {
  const vote = Buffer.from(hs.vote, "utf8");
  const b = Buffer.allocUnsafe(17 + vote.length);
  b[0] = HARD_STATE;
  b.writeDoubleLE(hs.term, 1);
  b.writeDoubleLE(hs.commit, 9);
  b.set(vote, 17);
  return b;
}

export function encodeReset(index: number, term: number): Buffer {
  const b = Buffer.allocUnsafe(17);
  b[0] = SNAPSHOT_RESET;
  b.writeDoubleLE(index, 1);
  b.writeDoubleLE(term, 9);
  return b;
}

export type Decoded =
  | { kind: "entry"; entry: Entry }
  | { kind: "hardState"; hardState: HardState }
  | { kind: "reset"; index: number; term: number };

export function decodePayload(p: Buffer): Decoded {
  switch (p[0]) {
    case ENTRY:
      return {
        kind: "entry",
        entry: {
          type: p[1] === 0 ? "normal" : "confChange",
          term: p.readDoubleLE(2),
          index: p.readDoubleLE(10),
          // Copy: the payload is a view into a large file buffer.
          data: Uint8Array.prototype.slice.call(p, 18),
        },
      };
    case HARD_STATE:
      return {
        kind: "hardState",
        hardState: { term: p.readDoubleLE(1), commit: p.readDoubleLE(9), vote: dec.decode(p.subarray(17)) },
      };
    case SNAPSHOT_RESET:
      return { kind: "reset", index: p.readDoubleLE(1), term: p.readDoubleLE(9) };
    default:
      throw new Error(`unknown record kind ${p[0]}`);
  }
}
