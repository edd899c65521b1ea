// An order as the API shows it: what the orchestrator saw while validating it (the events and their
// vector clocks, suggestions) joined with what the executor cluster did with it (state, reason,
// payment receipt, the two-phase-commit transaction). Either part may be missing: a rejected order
// never reached the executor; an order placed before this orchestrator restarted is known only there.
import { type GetJobResponse, JobStatus, type PaymentReceipt } from "@bookstore/proto";
import type { OrderRecord, OrderStatus } from "./orders.js";

const STATUS_NAMES: ReadonlyMap<JobStatus, OrderStatus> = new Map([
  [JobStatus.JOB_STATUS_PENDING, "PENDING"],
  [JobStatus.JOB_STATUS_EXECUTING, "EXECUTING"],
  [JobStatus.JOB_STATUS_COMPLETED, "COMPLETED"],
  [JobStatus.JOB_STATUS_FAILED, "FAILED"],
]);

export function statusName(status: JobStatus): OrderStatus {
  return STATUS_NAMES.get(status) ?? "PENDING";
}

function execution(job: GetJobResponse) {
  return {
    status: statusName(job.status),
    ...(job.reasonCode ? { reason: job.reason, reasonCode: job.reasonCode } : {}),
    ...(job.payment?.paymentId ? { payment: job.payment } : {}),
    shippingMethod: job.shippingMethod,
    priority: job.priority,
    effectivePriority: Math.round(job.effectivePriority * 10) / 10,
    card: { brand: job.cardBrand, last4: job.cardLast4 },
    submittedAt: job.submittedAt,
    updatedAt: job.updatedAt,
    ...(job.transaction ? { transaction: job.transaction } : {}),
  };
}

/** GET /api/orders/:id */
export function orderView(orderId: string, local: OrderRecord | undefined, job: GetJobResponse | undefined) {
  const base = local
    ? {
        orderId,
        status: local.status,
        ...(local.reason ? { reason: local.reason } : {}),
        createdAt: local.createdAt,
        customerId: local.customerId,
        lines: local.lines,
        totalCents: local.totalCents,
        suggestedBooks: local.suggestedBooks,
        events: local.events,
      }
    : {
        orderId,
        customerId: job?.customerId ?? "",
        lines: job?.lines ?? [],
        totalCents: job?.totalCents ?? 0,
      };
  return job ? { ...base, ...execution(job) } : base;
}

/**
 * GET /v2/orders/:id in the seed's shape. Its web page waits for status "Order Approved" (done) or
 * "FAILED": so a COMPLETED order says "Order Approved" with the receipt, a failed one "FAILED" with
 * the reason, anything else its state.
 */
export function seedOrderView(view: ReturnType<typeof orderView>) {
  const state = "status" in view ? view.status : "PENDING";
  const payment = "payment" in view ? (view.payment as PaymentReceipt) : undefined;
  return {
    orderId: view.orderId,
    status: state === "COMPLETED" ? "Order Approved" : state,
    state,
    items: view.lines.map((l) => ({ bookId: l.bookId, title: l.title, quantity: l.quantity })),
    total: view.totalCents / 100,
    ...("createdAt" in view ? { createdAt: view.createdAt } : {}),
    ...(payment
      ? {
          payment: {
            payment_id: payment.paymentId,
            confirmation_code: payment.confirmationCode,
            processed_at: payment.processedAt,
          },
        }
      : {}),
    ...("reason" in view && view.reason ? { reason: view.reason } : {}),
  };
}
