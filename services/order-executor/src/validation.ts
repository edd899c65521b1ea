// Checks of the executor's requests before anything is proposed: a bad request is INVALID_ARGUMENT
// naming every field at fault, and nothing enters the log.
import { AppError, type FieldProblem } from "@bookstore/kit";
import { z } from "zod";
import type { OrderPayload } from "./order-state-machine.js";

const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PAN = /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/;

const lineSchema = z.strictObject({
  bookId: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be a catalog id")
    .max(128),
  title: z.string().min(1).max(300),
  quantity: z.number().int().min(1).max(1000),
  unitPriceCents: z.number().int().min(0).max(10_000_000),
});

const payloadSchema = z.strictObject({
  orderId: z.string().regex(ID, "must be 1-128 of A-Z a-z 0-9 . _ : -"),
  customerId: z.string().min(1).max(128),
  lines: z.array(lineSchema).min(1).max(100),
  totalCents: z.number().int().min(0).max(10_000_000_000),
  shippingMethod: z.enum(["Standard", "Express", "Overnight"]),
  payment: z.strictObject({
    method: z.enum(["credit_card", "bank_transfer"]),
    token: z.string().max(200),
    brand: z.string().max(32),
    last4: z.string().regex(/^\d{0,4}$/, "must be at most four digits"),
  }),
});

function path(segments: PropertyKey[]): string {
  return segments.reduce<string>(
    (p, s) => (typeof s === "number" ? `${p}[${s}]` : `${p}.${String(s)}`),
    "payload",
  );
}

/** The first string in the payload that looks like a card number, by its path. */
function cardNumberAt(value: unknown, at: PropertyKey[] = []): string | undefined {
  if (typeof value === "string") return PAN.test(value) ? path(at) : undefined;
  if (typeof value !== "object" || value === null) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = cardNumberAt(v, [...at, Array.isArray(value) ? Number(k) : k]);
    if (found) return found;
  }
  return undefined;
}

/** SubmitJob's job id and payload, as the order to propose; every problem named. */
export function checkSubmit(jobId: string, payloadText: string): OrderPayload {
  const problems: FieldProblem[] = [];
  if (!ID.test(jobId))
    problems.push({ field: "job_id", message: "job_id must be 1-128 of A-Z a-z 0-9 . _ : -" });
  let raw: unknown;
  try {
    raw = JSON.parse(payloadText);
  } catch {
    throw AppError.invalid([...problems, { field: "payload", message: "payload must be a JSON object" }]);
  }
  const card = cardNumberAt(raw);
  if (card)
    problems.push({
      field: card,
      message: `${card} looks like a card number: orders carry a vault token only`,
    });
  const parsed = payloadSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = path(issue.path);
      problems.push({ field, message: `${field} ${issue.message}` });
    }
    throw AppError.invalid(problems);
  }
  const order = parsed.data;
  if (order.orderId !== jobId)
    problems.push({ field: "payload.orderId", message: "payload.orderId must equal job_id" });
  const sum = order.lines.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0);
  if (sum !== order.totalCents) {
    problems.push({
      field: "payload.totalCents",
      message: `payload.totalCents must be the sum of the lines (${sum})`,
    });
  }
  if (order.payment.method === "credit_card" && order.payment.token === "") {
    problems.push({
      field: "payload.payment.token",
      message: "payload.payment.token is required for credit_card",
    });
  }
  const books = order.lines.map((l) => l.bookId);
  if (new Set(books).size !== books.length) {
    problems.push({ field: "payload.lines", message: "payload.lines must name each book once" });
  }
  if (problems.length > 0) throw AppError.invalid(problems);
  return order;
}

export function checkJobId(jobId: string, field = "job_id"): void {
  if (!ID.test(jobId))
    throw AppError.invalid([{ field, message: `${field} must be 1-128 of A-Z a-z 0-9 . _ : -` }]);
}

export function checkLimit(limit: number): number {
  if (limit === 0) return 50;
  if (limit < 1 || limit > 500)
    throw AppError.invalid([{ field: "limit", message: "limit must be between 1 and 500" }]);
  return limit;
}
