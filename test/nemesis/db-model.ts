// The sequential specification of one db-node record, as docs/database.md states it: versions start
// at 1 and grow by one per change; a compare-and-set applies only at the expected version (0 = the key
// must not exist) and a refusal reports the version there is; a decrement applies only if the value
// stays ≥ 0 and a refusal reports the value there is; a decrement of a missing key is NOT_FOUND.
// The linearizability checker runs every key's history against it.
import type { Model } from "@bookstore/raft";

export interface DbRecord {
  exists: boolean;
  value: string;
  version: number;
}

export type DbInput =
  | { f: "read" }
  | { f: "write"; value: string }
  | { f: "cas"; expected: number; value: string }
  | { f: "decrement"; amount: number };

export type DbOutput =
  /** A read: found or not, and what. */
  | { found: boolean; value: string; version: number }
  /** A write, compare-and-set or decrement that applied. */
  | { applied: true; version: number; value?: string }
  /** A compare-and-set refused (the version there was) or a decrement refused (the value there was). */
  | { applied: false; version?: number; value?: string }
  /** A decrement of a key that does not exist. */
  | { notFound: true };

const ABSENT: DbRecord = { exists: false, value: "", version: 0 };

function applied(o: DbOutput): o is { applied: true; version: number; value?: string } {
  return "applied" in o && o.applied;
}

function refused(o: DbOutput): o is { applied: false; version?: number; value?: string } {
  return "applied" in o && !o.applied;
}

/** A change that applies in `s` (next state), or does not (undefined: a refusal there). */
function effect(s: DbRecord, i: Exclude<DbInput, { f: "read" }>): DbRecord | undefined {
  switch (i.f) {
    case "write":
      return { exists: true, value: i.value, version: s.version + 1 };
    case "cas":
      return s.version === i.expected ? { exists: true, value: i.value, version: s.version + 1 } : undefined;
    case "decrement": {
      const left = Number(s.value) - i.amount;
      return s.exists && left >= 0
        ? { exists: true, value: String(left), version: s.version + 1 }
        : undefined;
    }
  }
}

/** Whether a refusal answer is the one the record would give in state `s`. */
function refusalMatches(s: DbRecord, i: Exclude<DbInput, { f: "read" }>, o: DbOutput): boolean {
  if (i.f === "decrement") {
    if ("notFound" in o) return !s.exists;
    return refused(o) && s.exists && o.value === s.value;
  }
  return refused(o) && o.version === s.version;
}

export const dbRecordModel: Model<DbRecord, DbInput, DbOutput> = {
  init: ABSENT,
  step(s, i, o) {
    if (i.f === "read") {
      if (o === undefined) return s;
      if (!("found" in o) || o.found !== s.exists) return undefined;
      return !o.found || (o.value === s.value && o.version === s.version) ? s : undefined;
    }
    const next = effect(s, i);
    // Unknown outcome: if it happens here it must do what it does here.
    if (o === undefined) return next ?? s;
    if (next === undefined) return refusalMatches(s, i, o) ? s : undefined;
    if (!applied(o) || o.version !== next.version) return undefined;
    return o.value === undefined || o.value === next.value ? next : undefined;
  },
  key: (s) => (s.exists ? `${s.version}:${s.value}` : "-"),
};
