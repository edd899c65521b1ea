// The 2PC participant's RPCs: PrepareStock (reserve every line or none; the vote, with why not),
// CommitStock and AbortStock (idempotent by transaction id). The rules live in
// ../two-phase-commit-participant.ts; these only validate, propose and answer.
import type { AbortStockResponse, PrepareStockRequest, PrepareStockResponse } from "@bookstore/proto";
import { checkPrepare, checkTxId } from "../validation.js";
import { type DbContext, propose, Redirect } from "./context.js";

export async function prepareStock(ctx: DbContext, req: PrepareStockRequest): Promise<PrepareStockResponse> {
  const lines = req.lines.map((l) => ({ key: l.key, amount: l.amount }));
  checkPrepare(req.transactionId, lines, req.coordinator);
  const r = await propose(ctx, {
    op: "prepare",
    tx: req.transactionId,
    lines,
    coordinator: req.coordinator,
    at: ctx.now(),
  });
  const vote = { success: false, message: "", primary: undefined, reasonCode: "", key: "", available: 0 };
  if (r instanceof Redirect) return { ...vote, message: r.message, primary: r.hint };
  if (r.ok) return { ...vote, success: true };
  return {
    ...vote,
    message: r.message,
    reasonCode: r.reason ?? "",
    key: r.key ?? "",
    available: r.value ?? 0,
  };
}

/** CommitStock or AbortStock. */
export async function decide(
  ctx: DbContext,
  txId: string,
  op: "commit" | "abort",
): Promise<AbortStockResponse> {
  checkTxId(txId);
  const r = await propose(ctx, { op, tx: txId });
  if (r instanceof Redirect) return { success: false, message: r.message, primary: r.hint };
  return { success: r.ok, message: r.ok ? "" : r.message, primary: undefined };
}
