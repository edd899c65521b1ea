// Snapshots written atomically: temp file, fsync, rename, fsync the directory. Older ones are deleted.
// Layout: [u32 crc32 of the rest][u32 meta length][meta JSON][state-machine data].
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { Snapshot, SnapshotMeta } from "../core/types.js";

const name = (index: number) => `${String(index).padStart(16, "0")}.snap`;

export class SnapshotStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  async save(s: Snapshot): Promise<void> {
    const meta = Buffer.from(
      JSON.stringify({ index: s.index, term: s.term, conf: s.conf } satisfies SnapshotMeta),
    );
    const body = Buffer.allocUnsafe(4 + meta.length + s.data.length);
    body.writeUInt32LE(meta.length, 0);
    body.set(meta, 4);
    body.set(s.data, 4 + meta.length);
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32LE(crc32(body), 0);
    const final = join(this.dir, name(s.index));
    const tmp = `${final}.tmp`;
    const fh = await open(tmp, "w");
    try {
      await fh.writev([head, body]);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
    const d = await open(this.dir, "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
    for (const f of readdirSync(this.dir)) {
      if (f !== name(s.index) && (f.endsWith(".snap") || f.endsWith(".tmp")))
        await rm(join(this.dir, f), { force: true });
    }
  }

  /** The newest snapshot whose checksum verifies. */
  loadLatest(): Snapshot | undefined {
    const files = readdirSync(this.dir)
      .filter((f) => /^\d{16}\.snap$/.test(f))
      .sort()
      .reverse();
    for (const f of files) {
      const buf = readFileSync(join(this.dir, f));
      if (buf.length < 8 || crc32(buf.subarray(4)) !== buf.readUInt32LE(0)) continue;
      const metaLen = buf.readUInt32LE(4);
      const meta = JSON.parse(buf.subarray(8, 8 + metaLen).toString("utf8")) as SnapshotMeta;
      return { ...meta, data: Uint8Array.prototype.slice.call(buf, 8 + metaLen) };
    }
    return undefined;
  }
}
