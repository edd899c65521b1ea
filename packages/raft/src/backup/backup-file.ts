// A backup of one Raft node's state as a file: a header line (magic and version), one JSON line
// (who took it, index, term, membership, length and SHA-256 of the data), then the state-machine
// data. Reading verifies all of it, so a truncated or altered file is refused, never restored.
import { createHash } from "node:crypto";
import type { ConfState, Snapshot } from "../core/types.js";

const MAGIC = "bookstore-raft-backup 1\n";

export interface Backup {
  /** The member that took the snapshot. */
  nodeId: string;
  /** ISO time the file was written. */
  takenAt: string;
  snapshot: Snapshot;
}

interface Header {
  nodeId: string;
  takenAt: string;
  index: number;
  term: number;
  conf: ConfState;
  size: number;
  sha256: string;
}

export class BackupFormatError extends Error {
  override name = "BackupFormatError";
}

export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function encodeBackup(b: Backup): Buffer {
  const { index, term, conf, data } = b.snapshot;
  const header: Header = {
    nodeId: b.nodeId,
    takenAt: b.takenAt,
    index,
    term,
    conf,
    size: data.length,
    sha256: sha256Hex(data),
  };
  return Buffer.concat([Buffer.from(MAGIC), Buffer.from(`${JSON.stringify(header)}\n`), data]);
}

export function decodeBackup(file: Buffer): Backup {
  if (!file.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC)))
    throw new BackupFormatError("not a bookstore Raft backup (bad magic line)");
  const end = file.indexOf(0x0a, MAGIC.length);
  if (end === -1) throw new BackupFormatError("backup header is incomplete");
  let h: Header;
  try {
    h = JSON.parse(file.subarray(MAGIC.length, end).toString("utf8")) as Header;
  } catch {
    throw new BackupFormatError("backup header is not valid JSON");
  }
  const validIndex = Number.isSafeInteger(h.index) && h.index > 0;
  if (!validIndex || !Number.isSafeInteger(h.term) || h.term < 1 || !Array.isArray(h.conf?.voters))
    throw new BackupFormatError("backup header lacks index, term or membership");
  const data = Uint8Array.prototype.slice.call(file, end + 1);
  if (data.length !== h.size)
    throw new BackupFormatError(`backup data is ${data.length} bytes, the header says ${h.size}`);
  if (sha256Hex(data) !== h.sha256) throw new BackupFormatError("backup data does not match its SHA-256");
  return {
    nodeId: h.nodeId,
    takenAt: h.takenAt,
    snapshot: { index: h.index, term: h.term, conf: h.conf, data },
  };
}
