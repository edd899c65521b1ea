// Conversion between the core's messages and the generated protobuf types (one place for the mapping).
import {
  EntryType as PbEntryType,
  type RaftEntry,
  type RaftMessage,
  RaftMessageType,
  type RaftSnapshot,
} from "@bookstore/proto";
import type { ConfState, Entry, Message, MessageType, Snapshot } from "../core/types.js";

const toPbType: Record<MessageType, RaftMessageType> = {
  append: RaftMessageType.RAFT_MESSAGE_TYPE_APPEND,
  appendResponse: RaftMessageType.RAFT_MESSAGE_TYPE_APPEND_RESPONSE,
  vote: RaftMessageType.RAFT_MESSAGE_TYPE_VOTE,
  voteResponse: RaftMessageType.RAFT_MESSAGE_TYPE_VOTE_RESPONSE,
  preVote: RaftMessageType.RAFT_MESSAGE_TYPE_PRE_VOTE,
  preVoteResponse: RaftMessageType.RAFT_MESSAGE_TYPE_PRE_VOTE_RESPONSE,
  heartbeat: RaftMessageType.RAFT_MESSAGE_TYPE_HEARTBEAT,
  heartbeatResponse: RaftMessageType.RAFT_MESSAGE_TYPE_HEARTBEAT_RESPONSE,
  snapshot: RaftMessageType.RAFT_MESSAGE_TYPE_SNAPSHOT,
  timeoutNow: RaftMessageType.RAFT_MESSAGE_TYPE_TIMEOUT_NOW,
  readIndex: RaftMessageType.RAFT_MESSAGE_TYPE_READ_INDEX,
  readIndexResponse: RaftMessageType.RAFT_MESSAGE_TYPE_READ_INDEX_RESPONSE,
};
const fromPbType = new Map<RaftMessageType, MessageType>(
  Object.entries(toPbType).map(([k, v]) => [v, k as MessageType]),
);

const toPbEntry = (e: Entry): RaftEntry => ({
  term: e.term,
  index: e.index,
  type: e.type === "normal" ? PbEntryType.ENTRY_TYPE_NORMAL : PbEntryType.ENTRY_TYPE_CONF_CHANGE,
  data: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength),
});

const fromPbEntry = (e: RaftEntry): Entry => ({
  term: e.term,
  index: e.index,
  type: e.type === PbEntryType.ENTRY_TYPE_CONF_CHANGE ? "confChange" : "normal",
  data: e.data,
});

const members = (ids: string[], conf: ConfState) => ids.map((id) => `${id}=${conf.addresses[id] ?? ""}`);

function toPbSnapshot(s: Snapshot): RaftSnapshot {
  return {
    index: s.index,
    term: s.term,
    voters: members(s.conf.voters, s.conf),
    learners: members(s.conf.learners, s.conf),
    data: Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength),
  };
}

function fromPbSnapshot(s: RaftSnapshot): Snapshot {
  const conf: ConfState = { voters: [], learners: [], addresses: {} };
  const parse = (list: string[], into: string[]) => {
    for (const m of list) {
      const at = m.indexOf("=");
      const id = at < 0 ? m : m.slice(0, at);
      into.push(id);
      if (at >= 0 && at < m.length - 1) conf.addresses[id] = m.slice(at + 1);
    }
  };
  parse(s.voters, conf.voters);
  parse(s.learners, conf.learners);
  return { index: s.index, term: s.term, conf, data: s.data };
}

export function toWire(m: Message): RaftMessage {
  return {
    type: toPbType[m.type],
    from: m.from,
    to: m.to,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: m.entries.map(toPbEntry),
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
    snapshot: m.snapshot ? toPbSnapshot(m.snapshot) : undefined,
    context: Buffer.from(m.context, "utf8"),
    part: undefined,
  };
}

export function fromWire(m: RaftMessage): Message | undefined {
  const type = fromPbType.get(m.type);
  if (!type) return undefined;
  const out: Message = {
    type,
    from: m.from,
    to: m.to,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: m.entries.map(fromPbEntry),
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
    context: m.context.toString("utf8"),
  };
  if (m.snapshot) out.snapshot = fromPbSnapshot(m.snapshot);
  return out;
}
