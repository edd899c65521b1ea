// What a driver does with one Ready, and in which order, as pure data (etcd's rawnode contract).
// RaftNode and the simulator both execute this plan, so what is tested is what runs:
//   1. send `sendBeforeWrite` (a leader's appends may leave before its own fsync, dissertation §10.2.1);
//   2. start writing the Ready (entries, hard state, snapshot: one fsync) and meanwhile apply
//      `applyWhileWriting` (committed entries that were durable before this Ready);
//   3. once durable: send `sendAfterWrite` (votes and acknowledgements promise what is on disk),
//      install the snapshot if any, apply `applyAfterWrite`, then advance the core.
import type { Entry, Message, Ready } from "../core/types.js";
import { invariant } from "../core/types.js";

export interface ReadyPlan {
  sendBeforeWrite: Message[];
  applyWhileWriting: Entry[];
  sendAfterWrite: Message[];
  applyAfterWrite: Entry[];
}

/** Messages that promise nothing about the sender's disk: a leader's replication traffic. */
export function mayLeaveBeforeWrite(m: Message): boolean {
  return m.type === "append" || m.type === "heartbeat" || m.type === "snapshot";
}

export function planReady(rd: Ready): ReadyPlan {
  const sendBeforeWrite: Message[] = [];
  const sendAfterWrite: Message[] = [];
  for (const m of rd.messages) (mayLeaveBeforeWrite(m) ? sendBeforeWrite : sendAfterWrite).push(m);
  // Entries before this Ready's first new one were written by an earlier Ready (the driver finishes
  // one before taking the next); a snapshot replaces the state, so everything waits for it.
  const firstNew = rd.entries[0]?.index ?? Number.POSITIVE_INFINITY;
  let split = rd.snapshot ? 0 : rd.committedEntries.findIndex((e) => e.index >= firstNew);
  if (split === -1) split = rd.committedEntries.length;
  const plan: ReadyPlan = {
    sendBeforeWrite,
    applyWhileWriting: rd.committedEntries.slice(0, split),
    sendAfterWrite,
    applyAfterWrite: rd.committedEntries.slice(split),
  };
  const last = plan.applyWhileWriting[plan.applyWhileWriting.length - 1];
  invariant(!last || last.index < firstNew, "an entry is applied only once it is durable");
  return plan;
}
