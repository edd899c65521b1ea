// The fault schedule of a nemesis run, drawn from its seed alone (pure), so a run can be replayed:
// which fault, when, for how long, and a number that picks its targets among the members of the
// moment (the leader is whoever leads when the fault starts).
import { Rng } from "@bookstore/raft";

export type FaultKind =
  /** One member cut off from every other host. */
  | "partition-one"
  /** The members split into a majority and a minority. */
  | "partition-halves"
  /** Two groups that cannot talk, and one member that talks to both. */
  | "partition-bridge"
  /** The leader cut off from every other host. */
  | "partition-leader"
  /** The leader frozen (SIGSTOP) for longer than an election timeout, then woken (SIGCONT). */
  | "pause-leader"
  /** SIGKILL of one member (the leader half the time), restarted after the fault's duration. */
  | "kill"
  /** SIGKILL of every member at once, all restarted together. */
  | "kill-all"
  /** A new member joins on a spare host, then one old member (the leader at times) is removed. */
  | "membership"
  /** RaftService TransferLeadership to another member, under load. */
  | "transfer-leader"
  /** SIGKILL of the payment service (orders runs), restarted after the fault's duration. */
  | "kill-payment";

export interface PlannedFault {
  kind: FaultKind;
  /** Which cluster it hits ("db" or "executor"; "payment" for kill-payment). */
  cluster: string;
  /** Quiet time before it starts, after the previous fault healed. */
  gapMs: number;
  /** How long it lasts before it heals. */
  durationMs: number;
  /** In [0, 1): picks targets among the members sorted by id. */
  pick: number;
}

export interface FaultMix {
  cluster: string;
  kind: FaultKind;
  weight: number;
}

export const DB_MIX: FaultMix[] = [
  { cluster: "db", kind: "partition-one", weight: 3 },
  { cluster: "db", kind: "partition-halves", weight: 2 },
  { cluster: "db", kind: "partition-bridge", weight: 2 },
  { cluster: "db", kind: "partition-leader", weight: 3 },
  { cluster: "db", kind: "pause-leader", weight: 3 },
  { cluster: "db", kind: "kill", weight: 3 },
  { cluster: "db", kind: "kill-all", weight: 1 },
  { cluster: "db", kind: "membership", weight: 2 },
  { cluster: "db", kind: "transfer-leader", weight: 2 },
];

export const ORDERS_MIX: FaultMix[] = [
  { cluster: "executor", kind: "partition-one", weight: 2 },
  { cluster: "executor", kind: "partition-halves", weight: 2 },
  { cluster: "executor", kind: "partition-bridge", weight: 1 },
  { cluster: "executor", kind: "partition-leader", weight: 3 },
  { cluster: "executor", kind: "pause-leader", weight: 3 },
  { cluster: "executor", kind: "kill", weight: 3 },
  { cluster: "executor", kind: "kill-all", weight: 1 },
  { cluster: "executor", kind: "membership", weight: 2 },
  { cluster: "executor", kind: "transfer-leader", weight: 2 },
  { cluster: "db", kind: "partition-leader", weight: 1 },
  { cluster: "db", kind: "pause-leader", weight: 1 },
  { cluster: "db", kind: "kill", weight: 1 },
  { cluster: "payment", kind: "kill-payment", weight: 1 },
];

/** How long each kind lasts: a freeze always outlasts the election timeout (400-800 ms). */
const DURATION_MS: Record<FaultKind, [number, number]> = {
  "partition-one": [2000, 10_000],
  "partition-halves": [2000, 10_000],
  "partition-bridge": [3000, 10_000],
  "partition-leader": [2000, 10_000],
  "pause-leader": [1500, 6000],
  kill: [500, 5000],
  "kill-all": [500, 3000],
  membership: [0, 0],
  "transfer-leader": [0, 0],
  "kill-payment": [500, 4000],
};

/** One of `items`, each with probability proportional to its weight. */
export function pickWeighted<T extends { weight: number }>(rng: Rng, items: T[]): T {
  let r = rng.next() * items.reduce((s, x) => s + x.weight, 0);
  for (const x of items) {
    r -= x.weight;
    if (r < 0) return x;
  }
  return items[items.length - 1] as T;
}

/**
 * The faults of the run with `seed`, in order, each after a quiet gap of 2-6 s following the
 * previous heal (the run takes as many as fit in its time).
 */
export function* planFaults(seed: number, mix: FaultMix[]): Generator<PlannedFault> {
  const rng = new Rng(seed);
  for (;;) {
    const m = pickWeighted(rng, mix);
    const [lo, hi] = DURATION_MS[m.kind];
    const gapMs = rng.int(2000, 6000);
    yield { kind: m.kind, cluster: m.cluster, gapMs, durationMs: rng.int(lo, hi), pick: rng.next() };
  }
}
