// The coordinator's calls to its two participants over gRPC, each answered as a CallOutcome: a
// vote, an acknowledgement (with the payment's receipt on commit), or an error the coordinator
// retries. Every call has a deadline; all are idempotent by transaction id, so a retry is safe.
import type { DatabaseClient } from "@bookstore/db-client";
import { callUnary, clientFor } from "@bookstore/kit";
import { PaymentServiceClient } from "@bookstore/proto";
import type { CallOutcome, ParticipantCall } from "./two-phase-commit/coordinator.js";

export interface ParticipantOptions {
  db: DatabaseClient;
  paymentAddress: string;
  /** Where participants ask for a decision that never came (GetDecision): every executor now. */
  coordinator: () => string;
  deadlineMs: number;
}

export type CallParticipant = (call: ParticipantCall) => Promise<CallOutcome>;

const failed = (error: unknown): CallOutcome => ({
  type: "error",
  message: error instanceof Error ? error.message : String(error),
});

export function participantClients(o: ParticipantOptions): CallParticipant {
  const payment = clientFor(PaymentServiceClient, o.paymentAddress);
  const settings = { deadlineMs: o.deadlineMs, idempotent: true };

  const stock = async ({ kind, tx, job }: ParticipantCall): Promise<CallOutcome> => {
    if (kind === "prepare") {
      const lines = job.payload.lines.map((l) => ({ key: `stock:${l.bookId}`, amount: l.quantity }));
      const r = await o.db.prepareStock(tx.id, lines, o.coordinator());
      return r.vote
        ? { type: "vote", vote: { participant: "stock", yes: true } }
        : {
            type: "vote",
            vote: {
              participant: "stock",
              yes: false,
              code: r.reasonCode,
              message: r.message,
              key: r.key,
              available: r.available,
            },
          };
    }
    const r = kind === "commit" ? await o.db.commitStock(tx.id) : await o.db.abortStock(tx.id);
    return r.success ? { type: "ack" } : { type: "error", message: `stock refused ${kind}: ${r.message}` };
  };

  const pay = async ({ kind, tx, job }: ParticipantCall): Promise<CallOutcome> => {
    if (kind === "prepare") {
      const order = job.payload;
      const r = await callUnary(
        payment,
        payment.prepare,
        {
          transactionId: tx.id,
          amount: 0,
          amountCents: order.totalCents,
          paymentMethod: order.payment.method,
          customerId: order.customerId,
          orderId: order.orderId,
          metadata: {},
          coordinator: o.coordinator(),
          cardToken: order.payment.token,
        },
        settings,
      );
      return {
        type: "vote",
        vote: r.success
          ? { participant: "payment", yes: true }
          : { participant: "payment", yes: false, code: r.reasonCode, message: r.message },
      };
    }
    if (kind === "abort") {
      const r = await callUnary(payment, payment.abort, { transactionId: tx.id }, settings);
      return r.success ? { type: "ack" } : { type: "error", message: `payment refused abort: ${r.message}` };
    }
    const r = await callUnary(payment, payment.commit, { transactionId: tx.id, paymentId: "" }, settings);
    if (!r.success) return { type: "error", message: `payment refused commit: ${r.message}` };
    return {
      type: "ack",
      receipt: { paymentId: r.paymentId, confirmationCode: r.confirmationCode, processedAt: r.processedAt },
    };
  };

  return (call) => (call.participant === "stock" ? stock(call) : pay(call)).catch(failed);
}
