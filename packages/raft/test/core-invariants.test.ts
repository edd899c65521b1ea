// Safety assertions inside the core throw instead of letting a broken state spread.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RaftLog } from "../src/core/log.js";
import { InvariantError } from "../src/core/types.js";
import { ent, msg, newCore } from "./helpers.js";

const snap = { index: 0, term: 0, conf: { voters: [], learners: [], addresses: {} }, data: new Uint8Array() };

describe("core invariants", () => {
  it("the commit index never passes the last index and never moves back", () => {
    const log = new RaftLog(snap, [ent(1, 1), ent(2, 1)], 0);
    log.commitTo(2);
    log.commitTo(1); // a stale commit is ignored, not applied
    assert.equal(log.committed, 2);
    assert.throws(() => log.commitTo(3), InvariantError);
  });

  it("committed entries are never truncated", () => {
    const log = new RaftLog(snap, [ent(1, 1), ent(2, 1)], 2);
    assert.throws(() => log.append([ent(2, 2)]), InvariantError);
  });

  it("applied never passes committed", () => {
    const log = new RaftLog(snap, [ent(1, 1), ent(2, 1)], 1);
    assert.throws(() => log.appliedTo(2), InvariantError);
  });

  it("an append never leaves a gap", () => {
    const log = new RaftLog(snap, [ent(1, 1)], 0);
    assert.throws(() => log.append([ent(3, 1)]), InvariantError);
  });

  it("entries overwritten while their fsync was in flight are written again", () => {
    const r = newCore("n2", ["n1", "n2", "n3"]);
    r.step(
      msg("append", "n1", "n2", 2, { index: 0, logTerm: 0, entries: [ent(1, 2), ent(2, 2), ent(3, 2)] }),
    );
    const rd = r.ready(); // entries 1..3 (term 2) are being written
    r.step(msg("append", "n3", "n2", 3, { index: 1, logTerm: 2, entries: [ent(2, 3)] }));
    r.advance(rd); // the write of 1..3 completes, but 2..3 were replaced meanwhile
    assert.ok(r.log.stabled <= 1, "the replaced entries do not count as durable");
    const next = r.ready();
    assert.deepEqual(next.entries[next.entries.length - 1], ent(2, 3));
    assert.ok((next.entries[0]?.index ?? 99) <= 2);
  });
});
