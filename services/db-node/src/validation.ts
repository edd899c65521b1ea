// Input checks of the db-node's requests, done before anything is proposed: a bad request is
// INVALID_ARGUMENT with the field named, and nothing is written.
import { AppError, type FieldProblem } from "@bookstore/kit";
import { coordinatorProblems } from "@bookstore/two-phase-commit";
import { ValueKind } from "./state-machine.js";

export const MAX_KEY_BYTES = 256;
export const MAX_VALUE_BYTES = 64 * 1024;
export const MAX_AMOUNT = 1_000_000_000;
const MAX_LINES = 100;

function keyProblems(key: string, field = "key"): FieldProblem[] {
  if (key.length === 0) return [{ field, message: `${field} must not be empty` }];
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    return [{ field, message: `${field} must be at most ${MAX_KEY_BYTES} bytes` }];
  }
  return [];
}

export function checkKey(key: string): void {
  const problems = keyProblems(key);
  if (problems.length > 0) throw AppError.invalid(problems);
}

/** The value in its canonical text for its type (an integer stays an integer: "007" → "7"). */
export function checkValue(value: string, type: number): { value: string; type: ValueKind } {
  const kind: ValueKind = type === 0 ? ValueKind.STRING : (type as ValueKind);
  if (!Object.values(ValueKind).includes(kind)) {
    throw AppError.invalid([{ field: "type", message: `unknown value type ${type}` }]);
  }
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) {
    throw AppError.invalid([{ field: "value", message: `value must be at most ${MAX_VALUE_BYTES} bytes` }]);
  }
  switch (kind) {
    case ValueKind.STRING:
      if (value.length === 0)
        throw AppError.invalid([{ field: "value", message: "value must not be empty" }]);
      return { value, type: kind };
    case ValueKind.INT: {
      if (!/^-?\d{1,16}$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
        throw AppError.invalid([
          { field: "value", message: `value is not an integer: ${value.slice(0, 40)}` },
        ]);
      }
      return { value: String(Number(value)), type: kind };
    }
    case ValueKind.FLOAT: {
      const n = value.trim() === "" ? Number.NaN : Number(value);
      if (!Number.isFinite(n)) {
        throw AppError.invalid([{ field: "value", message: `value is not a number: ${value.slice(0, 40)}` }]);
      }
      return { value: String(n), type: kind };
    }
    case ValueKind.JSON:
      try {
        return { value: JSON.stringify(JSON.parse(value)), type: kind };
      } catch {
        throw AppError.invalid([{ field: "value", message: "value is not valid JSON" }]);
      }
  }
}

export function checkAmount(amount: number, field = "amount"): void {
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_AMOUNT) {
    throw AppError.invalid([{ field, message: `${field} must be a positive integer (got ${amount})` }]);
  }
}

export function checkRequestId(id: string): void {
  if (id.length > 128) {
    throw AppError.invalid([{ field: "request_id", message: "request_id must be at most 128 characters" }]);
  }
}

export function checkPrepare(txId: string, lines: { key: string; amount: number }[], coordinator = ""): void {
  const problems: FieldProblem[] = [];
  problems.push(...coordinatorProblems(coordinator));
  if (txId.length === 0 || txId.length > 128) {
    problems.push({ field: "transaction_id", message: "transaction_id must be 1..128 characters" });
  }
  if (lines.length === 0 || lines.length > MAX_LINES) {
    problems.push({ field: "lines", message: `lines must have 1..${MAX_LINES} entries` });
  }
  lines.forEach((l, i) => {
    problems.push(...keyProblems(l.key, `lines[${i}].key`));
    if (!Number.isSafeInteger(l.amount) || l.amount <= 0 || l.amount > MAX_AMOUNT) {
      problems.push({ field: `lines[${i}].amount`, message: "amount must be a positive integer" });
    }
  });
  if (problems.length > 0) throw AppError.invalid(problems);
}

export function checkTxId(txId: string): void {
  if (txId.length === 0 || txId.length > 128) {
    throw AppError.invalid([
      { field: "transaction_id", message: "transaction_id must be 1..128 characters" },
    ]);
  }
}
