// The db-node's replicated state as pure logic: apply(command) → result, snapshot/restore. No I/O,
// no clock (times come inside the commands), so every replica computes the same state from the log.
// Commands are JSON (measured: encoding is not the bottleneck next to fdatasync and gRPC).
import { type AppliedEntry, jsonCodec, type StateMachine } from "@bookstore/raft";
import { invariant, type LedgerImage, type TxStatus } from "@bookstore/two-phase-commit";
import { type PrepareRefusal, type StockLine, StockParticipant } from "./two-phase-commit-participant.js";

export type { StockLine };

/** Value types, numbered as bookstore.v1.ValueType. */
export const ValueKind = { STRING: 1, INT: 2, FLOAT: 3, JSON: 4 } as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

export interface StoredRecord {
  value: string;
  type: ValueKind;
  version: number;
}

export type Command =
  /** rid deduplicates retries: a put retried after an unknown outcome must not apply twice. */
  | { op: "put"; key: string; value: string; type: ValueKind; expected?: number; rid?: string }
  /** delta < 0 decrements; never below the reserved stock. rid deduplicates retries. */
  | { op: "add"; key: string; delta: number; rid?: string }
  | { op: "prepare"; tx: string; lines: StockLine[]; coordinator: string; at: number }
  | { op: "commit"; tx: string }
  | { op: "abort"; tx: string }
  /** Initial stock; applied only on the first seed command the cluster ever commits. */
  | { op: "seed"; items: [key: string, value: number][] };

export type FailureCode = "VERSION_MISMATCH" | "NOT_FOUND" | "NOT_INTEGER" | "INSUFFICIENT" | "CONFLICT";

export type CommandResult =
  | { ok: true; version: number; value?: number }
  | {
      ok: false;
      code: FailureCode;
      message: string;
      /** Current version / integer value of the key the failure is about (0 when missing). */
      version: number;
      value?: number;
      /** A refused PrepareStock: why, and the first key that could not be reserved. */
      reason?: PrepareRefusal;
      key?: string;
    };

/** Snapshot image, version 2: the 2PC participant's ledger as one field. */
interface Snapshot {
  v: 2;
  records: [string, StoredRecord][];
  participant: LedgerImage<StockLine[]>;
  dedup: [string, CommandResult][];
  seeded: boolean;
}

/** Version 1 (before the participant had a file of its own): still restored, migrated to v2. */
interface SnapshotV1 {
  v: 1;
  records: [string, StoredRecord][];
  reservations: [string, { lines: StockLine[]; coordinator: string; at: number }][];
  decided: [string, "committed" | "aborted"][];
  dedup: [string, CommandResult][];
  seeded: boolean;
}

/** A v1 image in today's shape (the reservation's lines become the ledger's resource). */
export function migrateSnapshot(image: Snapshot | SnapshotV1): Snapshot {
  if (image.v === 2) return image;
  return {
    v: 2,
    records: image.records,
    participant: {
      prepared: image.reservations.map(([tx, r]) => [
        tx,
        { resource: r.lines, coordinator: r.coordinator, at: r.at },
      ]),
      decided: image.decided,
    },
    dedup: image.dedup,
    seeded: image.seeded,
  };
}

const PREPARE_FAILURE: Record<PrepareRefusal, FailureCode> = {
  INSUFFICIENT_STOCK: "INSUFFICIENT",
  NO_SUCH_KEY: "NOT_FOUND",
  ALREADY_ABORTED: "CONFLICT",
};

const codec = jsonCodec<Command>();
export const encodeCommand = codec.encode;
export const decodeCommand = codec.decode;

export interface DbStateOptions {
  /** Remembered request ids (deduplication) and transaction decisions; oldest forgotten first. */
  memory?: number;
}

export class DbState implements StateMachine<CommandResult | undefined> {
  readonly records = new Map<string, StoredRecord>();
  /** The 2PC participant: stock reservations by transaction id. */
  readonly participant: StockParticipant;
  private readonly dedup = new Map<string, CommandResult>();
  private readonly memory: number;
  seeded = false;
  appliedIndex = 0;

  constructor(options: DbStateOptions = {}) {
    this.memory = options.memory ?? 100_000;
    this.participant = new StockParticipant(
      {
        stock: (key) => this.integer(key),
        take: (key, amount) => {
          const record = this.records.get(key);
          // put() refuses to make a reserved key anything but an integer covering its reservations.
          invariant(record?.type === ValueKind.INT, `a reserved key ${key} holds an integer record`);
          record.value = String(Number(record.value) - amount);
          record.version++;
        },
      },
      this.memory,
    );
  }

  apply(entry: AppliedEntry): CommandResult | undefined {
    this.appliedIndex = entry.index;
    if (entry.data.length === 0) return undefined; // the leader's no-op
    return this.execute(decodeCommand(entry.data));
  }

  /** Applies one command (the pure transition; apply() decodes and calls this). */
  execute(c: Command): CommandResult {
    switch (c.op) {
      case "put":
        return this.once(c.rid, () => this.put(c.key, c.value, c.type, c.expected));
      case "add":
        return this.once(c.rid, () => this.add(c.key, c.delta));
      case "prepare":
        return this.prepare(c.tx, c.lines, c.coordinator, c.at);
      case "commit":
        return decided(this.participant.commit(c.tx));
      case "abort":
        return decided(this.participant.abort(c.tx));
      case "seed":
        if (!this.seeded) {
          this.seeded = true;
          for (const [key, value] of c.items) {
            if (!this.records.has(key)) this.put(key, String(value), ValueKind.INT);
          }
        }
        return { ok: true, version: 0 };
    }
  }

  /** Runs a command once per request id: a retry gets the first outcome and changes nothing. */
  private once(rid: string | undefined, run: () => CommandResult): CommandResult {
    if (rid === undefined) return run();
    const seen = this.dedup.get(rid);
    if (seen) return seen;
    const result = run();
    remember(this.dedup, rid, result, this.memory);
    return result;
  }

  get(key: string): StoredRecord | undefined {
    return this.records.get(key);
  }

  /** Stock that can still be reserved or decremented: value − reserved (undefined if not an integer). */
  available(key: string): number | undefined {
    return this.participant.available(key);
  }

  /** Reserved amount per key (sum over open reservations). */
  get reserved(): ReadonlyMap<string, number> {
    return this.participant.reservedByKey;
  }

  decision(tx: string): Exclude<TxStatus, "prepared"> | "reserved" | undefined {
    const s = this.participant.status(tx);
    return s === "prepared" ? "reserved" : s;
  }

  /** Keys in order, starting after `after`, with `prefix`. */
  scan(prefix: string, after: string, limit: number): [string, StoredRecord][] {
    const keys = [...this.records.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    return keys.slice(0, limit).map((k) => [k, this.records.get(k) as StoredRecord]);
  }

  snapshot(): Uint8Array {
    const image: Snapshot = {
      v: 2,
      records: [...this.records],
      participant: this.participant.snapshot(),
      dedup: [...this.dedup],
      seeded: this.seeded,
    };
    return new TextEncoder().encode(JSON.stringify(image));
  }

  restore(data: Uint8Array): void {
    const image = migrateSnapshot(JSON.parse(new TextDecoder().decode(data)) as Snapshot | SnapshotV1);
    this.records.clear();
    this.dedup.clear();
    for (const [k, r] of image.records) this.records.set(k, r);
    this.participant.restore(image.participant);
    for (const [rid, r] of image.dedup) this.dedup.set(rid, r);
    this.seeded = image.seeded;
  }

  // ---- transitions ---------------------------------------------------------------------------

  private put(key: string, value: string, type: ValueKind, expected?: number): CommandResult {
    const current = this.records.get(key);
    const version = current?.version ?? 0;
    if (expected !== undefined && expected !== version) {
      return {
        ok: false,
        code: "VERSION_MISMATCH",
        message: `${key} is at version ${version}, expected ${expected}`,
        version,
      };
    }
    // Reserved stock is promised to open transactions: a write may not take it away.
    const reserved = this.participant.reserved(key);
    if (reserved > 0 && (type !== ValueKind.INT || Number(value) < reserved)) {
      return {
        ok: false,
        code: "INSUFFICIENT",
        message: `${key} has ${reserved} reserved by open transactions; it must stay an integer >= ${reserved}`,
        version,
        value: Number(current?.value ?? 0),
      };
    }
    this.records.set(key, { value, type, version: version + 1 });
    return { ok: true, version: version + 1 };
  }

  private add(key: string, delta: number): CommandResult {
    const current = this.records.get(key);
    if (!current) return { ok: false, code: "NOT_FOUND", message: `no key ${key}`, version: 0 };
    if (current.type !== ValueKind.INT) {
      return {
        ok: false,
        code: "NOT_INTEGER",
        message: `${key} is not an integer`,
        version: current.version,
      };
    }
    const value = Number(current.value);
    const reserved = this.participant.reserved(key);
    if (value + delta - reserved < 0) {
      return {
        ok: false,
        code: "INSUFFICIENT",
        message: `${key}: ${value - reserved} available${reserved > 0 ? ` (${reserved} reserved)` : ""}, ${-delta} requested`,
        version: current.version,
        value,
      };
    }
    const next = value + delta;
    current.value = String(next);
    current.version++;
    return { ok: true, version: current.version, value: next };
  }

  private prepare(tx: string, lines: StockLine[], coordinator: string, at: number): CommandResult {
    const vote = this.participant.prepare(tx, lines, coordinator, at);
    if (vote.vote) return { ok: true, version: 0 };
    return {
      ok: false,
      code: PREPARE_FAILURE[vote.reason],
      reason: vote.reason,
      message: vote.message,
      key: vote.key,
      version: this.records.get(vote.key)?.version ?? 0,
      value: vote.available,
    };
  }

  /** The integer value at `key`; undefined when missing or not an integer. */
  private integer(key: string): number | undefined {
    const record = this.records.get(key);
    return record?.type === ValueKind.INT ? Number(record.value) : undefined;
  }
}

function decided(r: { ok: true } | { ok: false; message: string }): CommandResult {
  return r.ok ? { ok: true, version: 0 } : { ok: false, code: "CONFLICT", message: r.message, version: 0 };
}

/** Insert into a map used as a bounded FIFO memory (deterministic eviction: oldest first). */
function remember<V>(map: Map<string, V>, key: string, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}
