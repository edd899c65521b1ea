// An order as the API shows it (GetJob, WatchJob, ListJobs): state, reason, receipt, priority and
// its two-phase-commit transaction with every step. The vault token stays inside the cluster.
import { type GetJobResponse, JobStatus } from "@bookstore/proto";
import type { Job, JobState } from "./order-state-machine.js";
import { effectivePriority } from "./priority.js";
import type { Transaction } from "./two-phase-commit/transaction.js";

export const STATUS: Readonly<Record<JobState, JobStatus>> = {
  PENDING: JobStatus.JOB_STATUS_PENDING,
  EXECUTING: JobStatus.JOB_STATUS_EXECUTING,
  COMPLETED: JobStatus.JOB_STATUS_COMPLETED,
  FAILED: JobStatus.JOB_STATUS_FAILED,
};

const iso = (ms: number) => new Date(ms).toISOString();

function transactionView(tx: Transaction | undefined): GetJobResponse["transaction"] {
  if (!tx) return undefined;
  return {
    transactionId: tx.id,
    phase: tx.phase,
    decision: tx.decision ?? "",
    history: tx.history.map((e) => ({ phase: e.phase, at: iso(e.at), note: e.note ?? "" })),
    votes: tx.votes.map((v) => ({
      participant: v.participant,
      yes: v.yes,
      code: v.code ?? "",
      message: v.message ?? "",
    })),
  };
}

export function jobView(job: Job, tx: Transaction | undefined, now: number): GetJobResponse {
  const o = job.payload;
  return {
    jobId: job.id,
    status: STATUS[job.state],
    reason: job.reason?.message ?? "",
    reasonCode: job.reason?.code ?? "",
    payment: job.receipt,
    priority: job.base,
    effectivePriority: job.state === "PENDING" ? effectivePriority(job.base, job.submittedAt, now) : job.base,
    customerId: o.customerId,
    lines: o.lines.map((l) => ({ ...l })),
    totalCents: o.totalCents,
    shippingMethod: o.shippingMethod,
    submittedAt: iso(job.submittedAt),
    updatedAt: iso(job.updatedAt),
    transaction: transactionView(tx),
    paymentMethod: o.payment.method,
    cardBrand: o.payment.brand,
    cardLast4: o.payment.last4,
  };
}

export function isTerminal(job: Job): boolean {
  return job.state === "COMPLETED" || job.state === "FAILED";
}
