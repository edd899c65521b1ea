// DecrementStock and IncrementStock: atomic on the primary, never below the reserved stock;
// request_id makes a retry apply once.
import { AppError } from "@bookstore/kit";
import type { DecrementStockResponse } from "@bookstore/proto";
import { checkAmount, checkKey, checkRequestId } from "../validation.js";
import { type DbContext, propose, Redirect } from "./context.js";

export async function stockChange(
  ctx: DbContext,
  req: { key: string; amount: number; requestId: string },
  sign: 1 | -1,
): Promise<DecrementStockResponse> {
  checkKey(req.key);
  checkAmount(req.amount);
  checkRequestId(req.requestId);
  const r = await propose(ctx, {
    op: "add",
    key: req.key,
    delta: sign * req.amount,
    ...(req.requestId ? { rid: req.requestId } : {}),
  });
  const base = { newValue: 0, currentValue: 0, version: 0, primaryId: "", primaryAddress: "" };
  if (r instanceof Redirect)
    return { ...base, success: false, message: r.message, primaryId: r.id, primaryAddress: r.address };
  if (!r.ok) {
    if (r.code === "NOT_FOUND") throw AppError.notFound(r.message);
    throw AppError.failedPrecondition(r.message, {
      "x-current-value": String(r.value ?? 0),
      "x-version": String(r.version),
    });
  }
  const value = r.value ?? 0;
  return {
    ...base,
    success: true,
    message: "",
    newValue: value,
    currentValue: value,
    version: r.version,
    primaryId: ctx.node.id,
  };
}
