// The db-node workload of a nemesis run: clients on the control side issue linearizable reads,
// writes and compare-and-sets on register keys, and stock decrements on stock keys, through
// DatabaseClient (as every service does: primary discovery, redirects, failover, retries, Batch),
// each recorded in the history. As in Jepsen's independent-key tests, a key serves a bounded number
// of operations and is then replaced by a fresh one, so each key's history stays small enough to
// check exhaustively. Client loops stop by themselves at `until`.
import { DatabaseClient, DatabaseError, ValueType } from "@bookstore/db-client";
import { Rng } from "@bookstore/raft";
import { status } from "@grpc/grpc-js";
import type { DbInput, DbOutput } from "./db-model.js";
import type { History, Op } from "./history.js";

export interface DbWorkloadOptions {
  addresses: string[];
  history: History;
  seed: number;
  clients: number;
  /** Run-unique prefix of every key, so runs against one cluster never share keys. */
  prefix: string;
  /** Operations per key before a fresh key replaces it. */
  opsPerKey: number;
  /** Units on a stock key when it is created. */
  initialStock: number;
  /** Pause between one client's operations (ms, drawn up to this). */
  thinkMs: number;
}

/** A window of live keys, each retired after a number of operations. */
class KeyWindow {
  private readonly uses: number[];
  private readonly base: number[];
  private next: number;
  constructor(
    private readonly name: (n: number) => string,
    width: number,
    private readonly perKey: number,
  ) {
    this.base = Array.from({ length: width }, (_, i) => i);
    this.uses = this.base.map(() => 0);
    this.next = width;
  }

  /** A live key; `fresh` is true for the first operation on it. */
  take(rng: Rng): { key: string; fresh: boolean } {
    const slot = rng.int(0, this.base.length - 1);
    if ((this.uses[slot] as number) >= this.perKey) {
      this.base[slot] = this.next++;
      this.uses[slot] = 0;
    }
    const fresh = this.uses[slot] === 0;
    this.uses[slot] = (this.uses[slot] as number) + 1;
    return { key: this.name(this.base[slot] as number), fresh };
  }
}

type DbOp = Op<DbInput, DbOutput>;

/** A refusal is a definite answer; anything else after the call went out may have taken effect. */
function outcomeOf(error: unknown): { type: "fail"; output: DbOutput } | { type: "info" } {
  if (error instanceof DatabaseError) {
    if (error.code === status.NOT_FOUND) return { type: "fail", output: { notFound: true } };
    if (error.code === status.FAILED_PRECONDITION) {
      return {
        type: "fail",
        output: {
          applied: false,
          ...(error.currentVersion !== undefined ? { version: error.currentVersion } : {}),
          ...(error.currentValue !== undefined ? { value: String(error.currentValue) } : {}),
        },
      };
    }
  }
  return { type: "info" };
}

function describe(error: unknown): string {
  return error instanceof DatabaseError ? `${status[error.code]}: ${error.message}` : String(error);
}

async function perform(db: DatabaseClient, op: DbOp, history: History): Promise<void> {
  const i = op.input;
  try {
    let out: DbOutput;
    if (i.f === "read") {
      const r = await db.read(op.key);
      out = { found: r.found, value: r.found ? r.value : "", version: r.found ? r.version : 0 };
    } else if (i.f === "write") {
      const type = op.key.startsWith("stock:") ? ValueType.VALUE_TYPE_INT : ValueType.VALUE_TYPE_STRING;
      out = { applied: true, version: await db.write(op.key, i.value, type) };
    } else if (i.f === "cas") {
      out = {
        applied: true,
        version: await db.write(op.key, i.value, ValueType.VALUE_TYPE_STRING, i.expected),
      };
    } else {
      const r = await db.decrementStock(op.key, i.amount);
      out = { applied: true, version: r.version, value: String(r.newValue) };
    }
    history.complete(op, "ok", out);
  } catch (error) {
    const o = outcomeOf(error);
    // A read that failed had no effect at all: it is a fail whatever the error.
    if (o.type === "info" && i.f === "read") history.complete(op, "fail", undefined, describe(error));
    else history.complete(op, o.type, o.type === "fail" ? o.output : undefined, describe(error));
  }
}

/** Runs the clients until `until` (history time, ms); resolves when every loop has stopped. */
export async function runDbWorkload(o: DbWorkloadOptions, until: number): Promise<void> {
  // Two shared clients, as two services would hold them: concurrent requests travel in Batch calls.
  const dbs = [0, 1].map(
    // A deadline that outlasts most faults: retries (deduplicated by request id) then answer instead
    // of leaving an unknown outcome, which the checker must try at every later point.
    () => new DatabaseClient({ addresses: o.addresses, deadlineMs: 6000, attemptTimeoutMs: 1000 }),
  );
  const registers = new KeyWindow((n) => `${o.prefix}:reg:${n}`, 3, o.opsPerKey);
  const stock = new KeyWindow((n) => `stock:${o.prefix}-${n}`, 2, o.opsPerKey);
  const lastVersion = new Map<string, number>();
  const loop = async (process: number) => {
    const rng = new Rng(o.seed * 1000 + process);
    const db = dbs[process % dbs.length] as DatabaseClient;
    for (let n = 0; o.history.now() < until; n++) {
      const op = nextOp(rng, process, n, registers, stock, lastVersion, o);
      await perform(db, op, o.history);
      const out = op.output;
      if (out && "version" in out && out.version !== undefined) lastVersion.set(op.key, out.version);
      await new Promise((r) => setTimeout(r, rng.int(0, o.thinkMs)));
    }
  };
  await Promise.all(Array.from({ length: o.clients }, (_, p) => loop(p)));
}

function nextOp(
  rng: Rng,
  process: number,
  n: number,
  registers: KeyWindow,
  stock: KeyWindow,
  lastVersion: Map<string, number>,
  o: DbWorkloadOptions,
): DbOp {
  const value = `p${process}-${n}`;
  if (rng.chance(0.45)) {
    const { key, fresh } = stock.take(rng);
    // The first operation on a stock key creates it; others may race it (NOT_FOUND is an answer).
    if (fresh) return o.history.invoke(process, "write", key, { f: "write", value: String(o.initialStock) });
    const input: DbInput = rng.chance(0.75) ? { f: "decrement", amount: rng.int(1, 2) } : { f: "read" };
    return o.history.invoke(process, input.f, key, input);
  }
  const { key } = registers.take(rng);
  const r = rng.next();
  let input: DbInput;
  if (r < 0.45) input = { f: "read" };
  else if (r < 0.75) input = { f: "write", value };
  else {
    // Usually the version last seen (so some succeed), sometimes one off (refused).
    const seen = lastVersion.get(key) ?? 0;
    input = { f: "cas", expected: rng.chance(0.8) ? seen : seen + 1, value };
  }
  return o.history.invoke(process, input.f, key, input);
}
