// Majority math over the voter set: commit index and election tallies.
import type { NodeId } from "./types.js";

/** Largest index replicated on a majority of voters. */
export function committedIndex(voters: readonly NodeId[], match: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const sorted = voters.map(match).sort((a, b) => b - a);
  return sorted[Math.floor(voters.length / 2)] ?? 0;
}

export type VoteResult = "won" | "lost" | "pending";

export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const need = Math.floor(voters.length / 2) + 1;
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  if (granted >= need) return "won";
  if (voters.length - rejected < need) return "lost";
  return "pending";
}

export function isQuorum(voters: readonly NodeId[], has: (id: NodeId) => boolean): boolean {
  let n = 0;
  for (const id of voters) if (has(id)) n++;
  return n >= Math.floor(voters.length / 2) + 1;
}
