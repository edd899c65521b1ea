// Read (linearizable by default, or stale with the applied index) and Write (put, or
// compare-and-set on expected_version).
import { AppError } from "@bookstore/kit";
import type { ReadRequest, ReadResponse, ValueType, WriteRequest, WriteResponse } from "@bookstore/proto";
import { checkKey, checkRequestId, checkValue } from "../validation.js";
import { type DbContext, propose, Redirect, readBarrier } from "./context.js";

/** `barrier` waits for the ReadIndex round (a Batch shares one among its reads). */
export async function read(
  ctx: DbContext,
  req: ReadRequest,
  barrier = () => readBarrier(ctx),
): Promise<ReadResponse> {
  checkKey(req.key);
  if (!req.stale) await barrier();
  const appliedIndex = ctx.node.appliedIndex;
  const record = ctx.state.get(req.key);
  if (!record)
    return { success: false, value: "", version: 0, message: `no key ${req.key}`, type: 0, appliedIndex };
  return {
    success: true,
    value: record.value,
    version: record.version,
    message: "",
    type: record.type as number as ValueType,
    appliedIndex,
  };
}

export async function write(ctx: DbContext, req: WriteRequest): Promise<WriteResponse> {
  checkKey(req.key);
  checkRequestId(req.requestId);
  const { value, type } = checkValue(req.value, req.type);
  const expected = req.expectedVersion;
  if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 0)) {
    throw AppError.invalid([{ field: "expected_version", message: "expected_version must be >= 0" }]);
  }
  const r = await propose(ctx, {
    op: "put",
    key: req.key,
    value,
    type,
    ...(expected !== undefined ? { expected } : {}),
    ...(req.requestId ? { rid: req.requestId } : {}),
  });
  if (r instanceof Redirect) {
    return { success: false, message: r.message, version: 0, primaryId: r.id, primaryAddress: r.address };
  }
  if (!r.ok) throw AppError.failedPrecondition(r.message, { "x-version": String(r.version) });
  return { success: true, message: "", version: r.version, primaryId: ctx.node.id, primaryAddress: "" };
}
