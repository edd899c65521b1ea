// RecordPurchase and RecordPurchases: a completed order's books teach recommendations the customer's
// taste. The orchestrator sends the purchases of the last few milliseconds together; each is checked
// and answered on its own, and the accepted ones are written in one statement and one flush (on
// embedded Postgres a query and a flush cost about a millisecond of CPU each, so one per order was
// the larger part of what an executed order cost this service).
import { AppError } from "@bookstore/kit";
import type { RecordPurchaseRequest, RecordPurchaseResult } from "@bookstore/proto";
import type { BookSearch } from "./book-search.js";
import { checkId, Problems } from "./requests.js";

const MAX_PURCHASES_PER_CALL = 1000;
const MAX_BOOKS_PER_ORDER = 1000;

/** The problems of one purchase's fields, or of its books once `known` (the catalog's ids) is given. */
function check(req: RecordPurchaseRequest, known?: Set<string>): void {
  const problems = new Problems();
  checkId(problems, req.customerId, "customer_id");
  checkId(problems, req.orderId, "order_id");
  if (req.bookIds.length === 0) problems.add("book_ids", "book_ids must not be empty");
  if (req.bookIds.length > MAX_BOOKS_PER_ORDER)
    problems.add("book_ids", `at most ${MAX_BOOKS_PER_ORDER} books per order`);
  req.bookIds.forEach((id, i) => {
    if (known && !known.has(id)) problems.add(`book_ids[${i}]`, `no book with id "${id.slice(0, 128)}"`);
  });
  problems.throwIfAny();
}

function refusal(req: RecordPurchaseRequest, known?: Set<string>): AppError | undefined {
  try {
    check(req, known);
    return undefined;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

/** Records every acceptable purchase of the batch; the others are answered with their problems. */
export async function recordPurchases(
  search: BookSearch,
  requests: readonly RecordPurchaseRequest[],
): Promise<RecordPurchaseResult[]> {
  if (requests.length > MAX_PURCHASES_PER_CALL) {
    throw AppError.invalid([
      { field: "purchases", message: `purchases must hold at most ${MAX_PURCHASES_PER_CALL} requests` },
    ]);
  }
  const wellFormed = requests.filter((r) => refusal(r) === undefined);
  const known = await search.knownIds(wellFormed.flatMap((r) => r.bookIds));
  const refusals = requests.map((r) => refusal(r, known));
  const accepted = requests.filter((_, i) => refusals[i] === undefined);
  if (accepted.length > 0) await search.recordPurchases(accepted);
  return requests.map((r, i) => {
    const refused = refusals[i];
    return refused
      ? { orderId: r.orderId, recorded: false, code: refused.code, message: refused.message }
      : { orderId: r.orderId, recorded: true, code: 0, message: "" };
  });
}

/** One purchase: recorded, or refused with INVALID_ARGUMENT naming every field at fault. */
export async function recordPurchase(search: BookSearch, request: RecordPurchaseRequest): Promise<void> {
  check(request);
  const known = await search.knownIds(request.bookIds);
  check(request, known);
  await search.recordPurchases([request]);
}
