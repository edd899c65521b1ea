// The Raft log as the db-node configures it (DB_WAL_PREALLOCATE_BYTES): segments are zero-filled
// ahead of the writes. What was persisted survives a crash (the zero tail is trimmed, not reported as
// a torn write), a torn record inside the preallocated space is still dropped, rolled segments are
// trimmed to what was written, and a clean close leaves no zero tail.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CorruptLogError, DiskStorage, type Entry, type Ready } from "@bookstore/raft";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "db-wal-"));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const conf = { voters: ["n1"], learners: [], addresses: {} };
const ent = (index: number, data = `e${index}`.padEnd(300, "x")): Entry => ({
  index,
  term: 1,
  type: "normal",
  data: Buffer.from(data),
});
const ready = (entries: Entry[], commit: number): Ready => ({
  entries,
  committedEntries: [],
  messages: [],
  readStates: [],
  role: "follower",
  leader: "",
  term: 1,
  hardState: { term: 1, vote: "n1", commit },
});
const opts = { preallocateBytes: 64 << 10, segmentBytes: 256 << 10 };
const walFiles = (dir: string) =>
  readdirSync(join(dir, "wal"))
    .sort()
    .map((f) => join(dir, "wal", f));

describe("db-node write-ahead log with preallocation", () => {
  it("keeps every persisted entry across a crash, over several segments", async () => {
    const dir = tmp();
    const { storage } = await DiskStorage.open(dir, conf, opts);
    for (let i = 1; i <= 2000; i++) await storage.persist(ready([ent(i)], i));
    assert.ok(storage.segmentCount() > 2);
    const files = walFiles(dir);
    const last = files.at(-1) as string;
    // Preallocated: the active segment is larger than what was written and ends in zeros.
    const tail = readFileSync(last);
    assert.equal(tail[tail.length - 1], 0);
    // Crash: no close. Rolled segments were trimmed (no zero tail, or recovery would call them corrupt).
    const reopened = await DiskStorage.open(dir, conf, opts);
    assert.equal(reopened.truncatedBytes, 0);
    assert.deepEqual(
      reopened.initial.entries.map((e) => e.index),
      Array.from({ length: 2000 }, (_, i) => i + 1),
    );
    assert.deepEqual(reopened.initial.hardState, { term: 1, vote: "n1", commit: 2000 });
    // Appending after recovery continues at the recovered end.
    await reopened.storage.persist(ready([ent(2001)], 2001));
    await reopened.storage.close();
    // A clean close leaves exactly what was written.
    for (const f of walFiles(dir)) assert.notEqual(readFileSync(f).at(-1), 0, `${f} has no zero tail`);
    const again = await DiskStorage.open(dir, conf, opts);
    assert.equal(again.initial.entries.at(-1)?.index, 2001);
    assert.equal(again.truncatedBytes, 0);
    await again.storage.close();
  });

  it("drops a torn last record inside the preallocated space", async () => {
    // The same writes without preallocation give the record boundaries.
    const plain = tmp();
    const p = await DiskStorage.open(plain, conf);
    await p.storage.persist(ready([ent(1), ent(2)], 2));
    const good = statSync(walFiles(plain)[0] as string).size;
    await p.storage.persist(ready([ent(3, "y".repeat(3000))], 3));
    await p.storage.close();

    const dir = tmp();
    const { storage } = await DiskStorage.open(dir, conf, opts);
    await storage.persist(ready([ent(1), ent(2)], 2));
    await storage.persist(ready([ent(3, "y".repeat(3000))], 3));
    const file = walFiles(dir)[0] as string;
    const full = readFileSync(file);
    assert.ok(full.length > good + 4000, "preallocated");
    // Crash in the middle of the second write: its first sector reached the disk, the later ones
    // did not (still the preallocated zeros).
    const cut = (Math.floor(good / 512) + 1) * 512;
    writeFileSync(file, Buffer.concat([full.subarray(0, cut), Buffer.alloc(full.length - cut)]));
    const { initial, truncatedBytes, storage: s } = await DiskStorage.open(dir, conf, opts);
    assert.deepEqual(
      initial.entries.map((e) => e.index),
      [1, 2],
    );
    assert.ok(truncatedBytes > 0, "a torn record is reported");
    await s.close();
    // A flipped bit in the last record (every sector written) is still corruption.
    writeFileSync(file, full);
    const flipped = Buffer.from(full);
    flipped[good + 100] = (flipped[good + 100] as number) ^ 0x01;
    writeFileSync(file, flipped);
    await assert.rejects(DiskStorage.open(dir, conf, opts), CorruptLogError);
  });
});
