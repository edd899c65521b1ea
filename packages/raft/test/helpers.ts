import { type InitialState, type RaftConfig, RaftCore } from "../src/core/raft.js";
import type { Entry, Message, MessageType, NodeId, Ready } from "../src/core/types.js";
import { emptyMessage, NONE } from "../src/core/types.js";

export function newCore(
  id: NodeId,
  voters: NodeId[],
  cfg: Partial<RaftConfig> = {},
  init: Partial<InitialState> = {},
): RaftCore {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  return new RaftCore(
    { id, electionTick: 10, heartbeatTick: 1, random, ...cfg },
    {
      hardState: { term: 0, vote: NONE, commit: 0 },
      entries: [],
      bootstrap: { voters, learners: [], addresses: {} },
      ...init,
    },
  );
}

/** Takes the pending Ready, acknowledges it as persisted and applied, returns it. */
export function drain(core: RaftCore): Ready {
  const rd = core.ready();
  core.advance(rd);
  return rd;
}

export function msg(
  type: MessageType,
  from: NodeId,
  to: NodeId,
  term: number,
  fields: Partial<Message> = {},
): Message {
  return { ...emptyMessage(type, from, to, term), ...fields };
}

export function ent(index: number, term: number, data = ""): Entry {
  return { index, term, type: "normal", data: new TextEncoder().encode(data) };
}

/** Makes `core` leader of its configuration by answering its vote requests. */
export function elect(core: RaftCore, voters: NodeId[]): void {
  core.campaignNow();
  for (let round = 0; round < 2 && core.role !== "leader"; round++) {
    const rd = drain(core);
    const type = core.role === "preCandidate" ? "preVoteResponse" : "voteResponse";
    const term = rd.messages[0]?.term ?? core.term;
    for (const v of voters) if (v !== core.id) core.step(msg(type, v, core.id, term));
  }
  drain(core);
}
