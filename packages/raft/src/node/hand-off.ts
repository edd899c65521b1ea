// A leader stopped on purpose (SIGTERM: a rolling restart, a drained host) first hands leadership
// to the most caught-up voter, so the cluster has a leader within a round trip instead of after an
// election timeout, and the next leader needs the fewest entries sent.
import type { NodeId } from "../core/types.js";
import type { RaftNode, RaftStatus } from "./raft-node.js";

/** The voter (not this node, not a learner) with the highest match index; undefined if none. */
export function successorOf(status: RaftStatus): NodeId | undefined {
  let best: { id: NodeId; match: number } | undefined;
  for (const p of status.peers) {
    if (p.id === status.id || p.learner) continue;
    if (!best || p.matchIndex > best.match) best = { id: p.id, match: p.matchIndex };
  }
  return best?.id;
}

/**
 * On the leader: transfers leadership to `successorOf` and waits for it (at most `timeoutMs`).
 * Returns the new leader's id, or undefined when this node did not lead or the transfer failed
 * (then the others elect one after an election timeout, as after a crash).
 */
export async function handOffLeadership<R>(node: RaftNode<R>, timeoutMs = 2000): Promise<NodeId | undefined> {
  const status = node.status();
  if (status.role !== "leader") return undefined;
  const to = successorOf(status);
  if (to === undefined) return undefined;
  return (await node.transferLeadership(to, timeoutMs)) ? to : undefined;
}
