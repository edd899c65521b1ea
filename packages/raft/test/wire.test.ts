import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RaftMessage } from "@bookstore/proto";
import type { Message } from "../src/core/types.js";
import { fromWire, toWire } from "../src/transport/wire.js";

describe("wire format", () => {
  it("round-trips every field of a message through protobuf", () => {
    const m: Message = {
      type: "snapshot",
      from: "n1",
      to: "n2",
      term: 7,
      logTerm: 6,
      index: 12,
      entries: [
        { term: 7, index: 13, type: "normal", data: Buffer.from("a") },
        { term: 7, index: 14, type: "confChange", data: Buffer.from("{}") },
      ],
      commit: 11,
      reject: true,
      rejectHint: 9,
      snapshot: {
        index: 10,
        term: 5,
        conf: { voters: ["n1", "n2"], learners: ["n3"], addresses: { n1: "h:1", n2: "h:2", n3: "h:3" } },
        data: Buffer.from("state"),
      },
      context: "read-1",
    };
    const bytes = RaftMessage.encode(toWire(m)).finish();
    const back = fromWire(RaftMessage.decode(bytes));
    assert.ok(back);
    assert.deepEqual(
      { ...back, entries: back.entries.map((e) => ({ ...e, data: Buffer.from(e.data).toString() })) },
      {
        ...m,
        entries: m.entries.map((e) => ({ ...e, data: Buffer.from(e.data).toString() })),
        snapshot: back.snapshot,
      },
    );
    assert.deepEqual(back.snapshot?.conf, m.snapshot?.conf);
    assert.equal(Buffer.from(back.snapshot?.data ?? []).toString(), "state");
  });
});
