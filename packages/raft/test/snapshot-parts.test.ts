// Snapshot parts: what the transport sends for a large snapshot, and what the receiver rebuilds.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RaftMessage } from "@bookstore/proto";
import { SnapshotAssembler, splitSnapshot } from "../src/transport/snapshot-parts.js";

function message(data: Buffer | undefined): RaftMessage {
  return {
    type: 5,
    from: "a",
    to: "b",
    term: 3,
    logTerm: 2,
    index: 9,
    entries: [],
    commit: 9,
    reject: false,
    rejectHint: 0,
    snapshot: data && { index: 9, term: 2, voters: ["a=x:1", "b=x:2"], learners: [], data },
    context: Buffer.alloc(0),
    part: undefined,
  };
}

const bytes = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31) % 251));

describe("snapshot parts", () => {
  it("a message without a snapshot, or with a small one, travels whole", () => {
    const plain = message(undefined);
    assert.deepEqual(splitSnapshot(plain, 10), [plain]);
    const small = message(bytes(10));
    assert.deepEqual(splitSnapshot(small, 10), [small]);
    assert.equal(new SnapshotAssembler().accept(small), small);
  });

  it("a large snapshot becomes parts no larger than the limit, rebuilt exactly", () => {
    const whole = message(bytes(1000));
    const parts = splitSnapshot(whole, 128);
    assert.equal(parts.length, 8);
    assert.ok(parts.every((p) => (p.snapshot?.data.length ?? 0) <= 128 && p.part?.total === 1000));
    const assembler = new SnapshotAssembler();
    const out = parts.map((p) => assembler.accept(p));
    assert.ok(out.slice(0, -1).every((m) => m === undefined));
    assert.deepEqual(out.at(-1), whole);
  });

  it("a missing part discards the snapshot; the next one from its first part is rebuilt", () => {
    const parts = splitSnapshot(message(bytes(500)), 100);
    const assembler = new SnapshotAssembler();
    const gap = [parts[0], parts[1], parts[3], parts[4]] as RaftMessage[];
    assert.ok(gap.every((p) => assembler.accept(p) === undefined));
    const again = splitSnapshot(message(bytes(300)), 100).map((p) => assembler.accept(p));
    assert.equal(again.at(-1)?.snapshot?.data.length, 300);
  });

  it("refuses a part claiming more than a snapshot may hold, or a part that overruns its total", () => {
    const assembler = new SnapshotAssembler();
    const huge = { ...message(bytes(10)), part: { offset: 0, total: 2 ** 31 } };
    assert.equal(assembler.accept(huge), undefined);
    const overrun = { ...message(bytes(20)), part: { offset: 0, total: 10 } };
    assert.equal(assembler.accept(overrun), undefined);
  });
});
