import assert from "node:assert/strict";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Entry, Ready } from "../src/core/types.js";
import { DiskStorage } from "../src/storage/disk-storage.js";
import { CorruptLogError } from "../src/storage/record-codec.js";
import { SegmentedLog } from "../src/storage/segmented-log.js";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "raft-storage-"));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ent = (index: number, term: number, data = `e${index}`): Entry => ({
  index,
  term,
  type: "normal",
  data: Buffer.from(data),
});
const conf = { voters: ["n1"], learners: [], addresses: {} };
const ready = (entries: Entry[], extra: Partial<Ready> = {}): Ready => ({
  entries,
  committedEntries: [],
  messages: [],
  readStates: [],
  role: "follower",
  leader: "",
  term: 1,
  ...extra,
});

function segmentFile(dir: string): string {
  const wal = join(dir, "wal");
  const files = readdirSync(wal).sort();
  return join(wal, files[files.length - 1] as string);
}

describe("durable storage", () => {
  it("recovers entries, hard state and overwritten suffixes", async () => {
    const dir = tmp();
    const { storage } = await DiskStorage.open(dir, conf);
    await storage.persist(
      ready([ent(1, 1), ent(2, 1), ent(3, 1)], { hardState: { term: 1, vote: "n1", commit: 1 } }),
    );
    await storage.persist(ready([ent(3, 2), ent(4, 2)], { hardState: { term: 2, vote: "n2", commit: 3 } }));
    await storage.close();
    const { initial } = await DiskStorage.open(dir, conf);
    assert.deepEqual(initial.hardState, { term: 2, vote: "n2", commit: 3 });
    assert.deepEqual(
      initial.entries.map((e) => [e.index, e.term, Buffer.from(e.data).toString()]),
      [
        [1, 1, "e1"],
        [2, 1, "e2"],
        [3, 2, "e3"],
        [4, 2, "e4"],
      ],
    );
  });

  it("a crash in the middle of the last write (cut at every byte) recovers to the last complete record", async () => {
    const dir = tmp();
    const { storage } = await DiskStorage.open(dir, conf);
    await storage.persist(ready([ent(1, 1), ent(2, 1)], { hardState: { term: 1, vote: "n1", commit: 2 } }));
    const file = segmentFile(dir);
    const good = statSync(file).size;
    await storage.persist(ready([ent(3, 1, "x".repeat(40))]));
    await storage.close();
    const full = readFileSync(file);
    for (let cut = good; cut < full.length; cut++) {
      writeFileSync(file, full.subarray(0, cut));
      const { initial, storage: s, truncatedBytes } = await DiskStorage.open(dir, conf);
      assert.equal(initial.entries.length, 2, `cut at ${cut}`);
      assert.equal(truncatedBytes, cut - good);
      assert.deepEqual(initial.hardState, { term: 1, vote: "n1", commit: 2 });
      await s.close();
      assert.equal(statSync(file).size, good, "torn tail truncated");
    }
    // Zero-filled tail (file extended, data never written) is also a torn write.
    writeFileSync(file, Buffer.concat([full.subarray(0, good), Buffer.alloc(64)]));
    const { initial, storage: s } = await DiskStorage.open(dir, conf);
    assert.equal(initial.entries.length, 2);
    await s.close();
  });

  it("a corrupted record is detected, not silently dropped", async () => {
    const dir = tmp();
    const { storage } = await DiskStorage.open(dir, conf);
    await storage.persist(ready([ent(1, 1), ent(2, 1), ent(3, 1)]));
    await storage.close();
    const file = segmentFile(dir);
    const buf = readFileSync(file);
    buf[12] = (buf[12] as number) ^ 0xff; // inside the first record's payload
    writeFileSync(file, buf);
    await assert.rejects(DiskStorage.open(dir, conf), CorruptLogError);
  });

  it("rolls segments and compacts them away after a snapshot", async () => {
    const dir = tmp();
    const { storage } = await DiskStorage.open(dir, conf, { segmentBytes: 200 });
    for (let i = 1; i <= 40; i++) {
      await storage.persist(
        ready([ent(i, 1, "y".repeat(30))], { hardState: { term: 1, vote: "n1", commit: i } }),
      );
    }
    assert.ok(storage.segmentCount() > 5);
    await storage.saveSnapshot({ index: 30, term: 1, conf, data: Buffer.from("state@30") });
    assert.ok(storage.segmentCount() < 5);
    await storage.close();
    const { initial, storage: s } = await DiskStorage.open(dir, conf, { segmentBytes: 200 });
    assert.equal(initial.snapshot?.index, 30);
    assert.equal(Buffer.from(initial.snapshot?.data ?? []).toString(), "state@30");
    assert.deepEqual(
      initial.entries.map((e) => e.index),
      [31, 32, 33, 34, 35, 36, 37, 38, 39, 40],
    );
    assert.deepEqual(initial.hardState, { term: 1, vote: "n1", commit: 40 });
    await s.close();
  });

  it("a snapshot from the leader resets the log", async () => {
    const dir = tmp();
    const { storage } = await DiskStorage.open(dir, conf);
    await storage.persist(ready([ent(1, 1), ent(2, 1), ent(3, 1)]));
    const snap = { index: 10, term: 3, conf, data: Buffer.from("s") };
    await storage.persist(ready([], { snapshot: snap, hardState: { term: 3, vote: "", commit: 10 } }));
    await storage.persist(ready([ent(11, 3)]));
    await storage.close();
    const { initial, storage: s } = await DiskStorage.open(dir, conf);
    assert.equal(initial.snapshot?.index, 10);
    assert.deepEqual(
      initial.entries.map((e) => e.index),
      [11],
    );
    await s.close();
  });

  it("raw segmented log: truncation of a half-written header", async () => {
    const dir = tmp();
    const { log } = await SegmentedLog.open(dir);
    await log.append({ entries: [ent(1, 1)] });
    await log.close();
    const file = join(dir, readdirSync(dir)[0] as string);
    const size = statSync(file).size;
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from([5, 0, 0])]));
    const { log: l2, recovered } = await SegmentedLog.open(dir);
    assert.equal(recovered.entries.length, 1);
    await l2.close();
    truncateSync(file, size);
  });
});
