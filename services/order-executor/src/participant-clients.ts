// The coordinator's calls to its two participants over gRPC, each answered as a CallOutcome: a
// vote, an acknowledgement (with the payment's receipt on commit), or an error the coordinator
// retries. Every call has a deadline; all are idempotent by transaction id, so a retry is safe. The
// calls one coordinator step makes to a participant travel together: Batch calls to db-node (its
// client does that) and to payment (here).
import type { DatabaseClient } from "@bookstore/db-client";
import { CallBatcher, type CallSettings, callUnary, clientFor, GrpcStatus } from "@bookstore/kit";
import { type PaymentBatchOperation, type PaymentBatchResult, PaymentServiceClient } from "@bookstore/proto";
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

type PaymentOperation = NonNullable<PaymentBatchOperation["operation"]>;
type PaymentResponse = NonNullable<PaymentBatchResult["response"]>;
type ResponseTo<K extends PaymentOperation["$case"]> = Extract<PaymentResponse, { $case: K }>["value"];

/** Prepare, Commit and Abort to payment: those of one event-loop turn in one Batch call. */
function paymentCalls(payment: PaymentServiceClient, settings: CallSettings) {
  const ok = (response: PaymentResponse): PaymentBatchResult => ({
    code: GrpcStatus.OK,
    errorMessage: "",
    response,
  });
  // A payment service without Batch (an older version, during a rolling upgrade): one call each.
  const one = async ({ operation: op }: PaymentBatchOperation): Promise<PaymentBatchResult> => {
    switch (op?.$case) {
      case "prepare":
        return ok({ $case: "prepare", value: await callUnary(payment, payment.prepare, op.value, settings) });
      case "commit":
        return ok({ $case: "commit", value: await callUnary(payment, payment.commit, op.value, settings) });
      case "abort":
        return ok({ $case: "abort", value: await callUnary(payment, payment.abort, op.value, settings) });
      default:
        throw new Error("no payment operation");
    }
  };
  const batcher = new CallBatcher<PaymentBatchOperation, PaymentBatchResult>(
    {
      many: async (operations) => (await callUnary(payment, payment.batch, { operations }, settings)).results,
      one,
    },
    { windowMs: 0, maxPerCall: 500 },
  );
  return async <K extends PaymentOperation["$case"]>(
    operation: Extract<PaymentOperation, { $case: K }>,
  ): Promise<ResponseTo<K>> => {
    const r = await batcher.add({ operation });
    if (r.code !== GrpcStatus.OK)
      throw new Error(`payment ${operation.$case}: ${GrpcStatus[r.code]} ${r.errorMessage}`);
    if (r.response?.$case !== operation.$case)
      throw new Error(`payment answered ${operation.$case} with another call's result`);
    return r.response.value as ResponseTo<K>;
  };
}

export function participantClients(o: ParticipantOptions): CallParticipant {
  const settings = { deadlineMs: o.deadlineMs, idempotent: true };
  const payment = paymentCalls(clientFor(PaymentServiceClient, o.paymentAddress), settings);

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
      const r = await payment({
        $case: "prepare",
        value: {
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
      });
      return {
        type: "vote",
        vote: r.success
          ? { participant: "payment", yes: true }
          : { participant: "payment", yes: false, code: r.reasonCode, message: r.message },
      };
    }
    if (kind === "abort") {
      const r = await payment({ $case: "abort", value: { transactionId: tx.id } });
      return r.success ? { type: "ack" } : { type: "error", message: `payment refused abort: ${r.message}` };
    }
    const r = await payment({ $case: "commit", value: { transactionId: tx.id, paymentId: "" } });
    if (!r.success) return { type: "error", message: `payment refused commit: ${r.message}` };
    return {
      type: "ack",
      receipt: { paymentId: r.paymentId, confirmationCode: r.confirmationCode, processedAt: r.processedAt },
    };
  };

  return (call) => (call.participant === "stock" ? stock(call) : pay(call)).catch(failed);
}
