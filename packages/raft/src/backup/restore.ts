// Restoring a backup: the data directory of a node of a new cluster, whose log starts at the
// backed-up snapshot. Every member of the new cluster is restored from the same backup with the
// same member list, so they start with identical logs (and terms) and elect a leader among
// themselves; the old cluster's membership in the snapshot is replaced by the new one.
import { existsSync, readdirSync } from "node:fs";
import type { ConfState, Snapshot } from "../core/types.js";
import type { Member } from "../node/raft-node.js";
import { DiskStorage } from "../storage/disk-storage.js";

export class RestoreError extends Error {
  override name = "RestoreError";
}

/** Writes `dir` (missing or empty) so a node started on it holds `snapshot`, in a cluster of `members`. */
export async function restoreDataDir(dir: string, snapshot: Snapshot, members: Member[]): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new RestoreError(`${dir} is not empty: restore only into a new node's data directory`);
  if (members.length === 0) throw new RestoreError("the new cluster needs at least one member");
  if (new Set(members.map((m) => m.id)).size !== members.length)
    throw new RestoreError("member ids must be distinct");
  const conf: ConfState = {
    voters: members.map((m) => m.id),
    learners: [],
    addresses: Object.fromEntries(members.map((m) => [m.id, m.address])),
  };
  const restored: Snapshot = { ...snapshot, conf };
  const { storage } = await DiskStorage.open(dir, conf);
  try {
    // The path a snapshot from a leader takes: snapshot file, then log reset + hard state, fsync'd.
    // The term is the snapshot's, so no member can lead with a term below its own log's.
    await storage.persist({
      snapshot: restored,
      hardState: { term: snapshot.term, vote: "", commit: snapshot.index },
      entries: [],
      committedEntries: [],
      messages: [],
      readStates: [],
      role: "follower",
      leader: "",
      term: snapshot.term,
    });
  } finally {
    await storage.close();
  }
}
