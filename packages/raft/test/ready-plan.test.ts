// The plan of one Ready, shared by RaftNode and the simulator: what may happen before the write is
// durable and what must wait for it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Entry, emptyMessage, type MessageType, type Ready } from "../src/core/types.js";
import { planReady } from "../src/node/ready-plan.js";

const entry = (index: number): Entry => ({ index, term: 2, type: "normal", data: new Uint8Array([index]) });
const msg = (type: MessageType) => emptyMessage(type, "n1", "n2", 2);

function ready(partial: Partial<Ready>): Ready {
  return {
    entries: [],
    committedEntries: [],
    messages: [],
    readStates: [],
    role: "leader",
    leader: "n1",
    term: 2,
    ...partial,
  };
}

describe("planReady", () => {
  it("a leader's replication leaves before its write; votes and acknowledgements wait for it", () => {
    const types: MessageType[] = [
      "append",
      "voteResponse",
      "heartbeat",
      "appendResponse",
      "snapshot",
      "preVoteResponse",
    ];
    const plan = planReady(ready({ messages: types.map(msg) }));
    assert.deepEqual(
      plan.sendBeforeWrite.map((m) => m.type),
      ["append", "heartbeat", "snapshot"],
    );
    assert.deepEqual(
      plan.sendAfterWrite.map((m) => m.type),
      ["voteResponse", "appendResponse", "preVoteResponse"],
    );
  });

  it("committed entries already on disk are applied while the new ones are written; the rest wait", () => {
    const plan = planReady(
      ready({ entries: [entry(4), entry(5)], committedEntries: [1, 2, 3, 4].map(entry) }),
    );
    assert.deepEqual(
      plan.applyWhileWriting.map((e) => e.index),
      [1, 2, 3],
    );
    assert.deepEqual(
      plan.applyAfterWrite.map((e) => e.index),
      [4],
    );
  });

  it("with no new entries everything committed is applied while the hard state is written", () => {
    const plan = planReady(ready({ committedEntries: [7, 8].map(entry) }));
    assert.deepEqual(
      plan.applyWhileWriting.map((e) => e.index),
      [7, 8],
    );
    assert.equal(plan.applyAfterWrite.length, 0);
  });

  it("a snapshot holds back every entry until it is installed", () => {
    const snapshot = {
      index: 10,
      term: 2,
      conf: { voters: ["n1"], learners: [], addresses: {} },
      data: new Uint8Array(),
    };
    const plan = planReady(ready({ snapshot, committedEntries: [11, 12].map(entry) }));
    assert.equal(plan.applyWhileWriting.length, 0);
    assert.deepEqual(
      plan.applyAfterWrite.map((e) => e.index),
      [11, 12],
    );
  });
});
