// The checks of a db-node nemesis history: every key's operations linearizable against the record's
// specification (db-model.ts), and for stock keys the two invariants stated plainly — no value ever
// observed below zero, and sold + remaining = initial (with decrements of unknown outcome allowed to
// have happened or not).
import { byKey, checkOperations, type HistoryOp } from "@bookstore/raft";
import { type DbInput, type DbOutput, dbRecordModel } from "./db-model.js";
import type { Op } from "./history.js";

export interface Anomaly {
  kind: string;
  key: string;
  detail: string;
}

export interface DbCheckResult {
  anomalies: Anomaly[];
  keys: number;
  /** Keys whose search gave up (too many interleavings); reported, not counted as anomalies. */
  inconclusive: string[];
}

type DbOp = Op<DbInput, DbOutput>;

export function describeOp(op: DbOp): string {
  const at = `[${(op.call / 1000).toFixed(3)}s, ${op.type === "info" ? "?" : `${(op.ret / 1000).toFixed(3)}s`}]`;
  return `#${op.id} client ${op.process} ${JSON.stringify(op.input)} → ${op.type} ${JSON.stringify(op.output ?? null)} ${at}`;
}

/** The operations that constrain a key's state: everything but reads that got no answer. */
function checkable(ops: DbOp[]): DbOp[] {
  return ops.filter(
    (op) => op.type === "ok" || op.type === "info" || (op.type === "fail" && op.output !== undefined),
  );
}

function linearizable(key: string, ops: DbOp[], result: DbCheckResult): void {
  const list = checkable(ops);
  const history: HistoryOp<DbInput, DbOutput>[] = list.map((op) => ({
    call: op.call,
    ret: op.ret,
    input: op.input,
    output: op.output,
  }));
  const verdict = checkOperations(history, dbRecordModel, 2_000_000);
  if (verdict.result === "unknown") result.inconclusive.push(key);
  if (verdict.result !== "fail") return;
  const blocked = list[verdict.blockedBy] as DbOp;
  result.anomalies.push({
    kind: "not linearizable",
    key,
    detail: `no order of the ${list.length} operations explains ${describeOp(blocked)}`,
  });
}

function stockInvariants(key: string, ops: DbOp[], result: DbCheckResult): void {
  const amount = (op: DbOp) => (op.input.f === "decrement" ? op.input.amount : 0);
  for (const op of ops) {
    const v = op.output && "value" in op.output ? op.output.value : undefined;
    if (op.type === "ok" && v !== undefined && v !== "" && Number(v) < 0)
      result.anomalies.push({ kind: "negative stock", key, detail: describeOp(op) });
  }
  const created = ops.find((op) => op.input.f === "write" && op.type === "ok");
  const final = [...ops].reverse().find((op) => op.input.f === "read" && op.type === "ok");
  if (!created || !final?.output || !("found" in final.output)) return;
  const initial = Number((created.input as { value: string }).value);
  const remaining = Number(final.output.value);
  const decrements = ops.filter((op) => op.input.f === "decrement");
  const sold = decrements.filter((op) => op.type === "ok").reduce((s, op) => s + amount(op), 0);
  const unknown = decrements.filter((op) => op.type === "info").reduce((s, op) => s + amount(op), 0);
  const missing = initial - remaining - sold;
  if (missing < 0 || missing > unknown) {
    result.anomalies.push({
      kind: "stock not conserved",
      key,
      detail: `initial ${initial}, sold ${sold} acknowledged (+ up to ${unknown} unknown), remaining ${remaining}`,
    });
  }
}

/** Checks a db-node history (call after the final reads of every stock key were recorded). */
export function checkDbHistory(ops: Op[]): DbCheckResult {
  const result: DbCheckResult = { anomalies: [], keys: 0, inconclusive: [] };
  for (const [key, list] of byKey(ops as DbOp[])) {
    result.keys++;
    linearizable(key, list, result);
    if (key.startsWith("stock:")) stockInvariants(key, list, result);
  }
  return result;
}
