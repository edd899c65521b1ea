// The PaymentService handlers: validation, then a proposal to the payment's single-node Raft group
// (answered once the entry is fsync'd and applied), or a read of the applied state. In a one-member
// group every acknowledged write is already applied here, so reads need no ReadIndex round.
import { createHash, timingSafeEqual } from "node:crypto";
import {
  AppError,
  implement,
  type Logger,
  type ServiceRegistration,
  type UnaryHandlers,
} from "@bookstore/kit";
import {
  PaymentServiceService,
  type PaymentTransaction,
  type PrepareResponse,
  PaymentState as ProtoState,
} from "@bookstore/proto";
import { RaftError, type RaftNode } from "@bookstore/raft";
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { CardCipher } from "./card-cipher.js";
import { authorize, type Outcome, outcomeRoll } from "./outcomes.js";
import { newConfirmationCode, newPaymentId } from "./receipt-ids.js";
import {
  type Command,
  type CommandResult,
  type Decided,
  encodeCommand,
  type PaymentRecord,
  type PaymentStateMachine,
  type PaymentStatus,
  type Vote,
} from "./state-machine.js";
import {
  checkPage,
  checkPrepare,
  checkTokenize,
  checkTransactionId,
  type PrepareInput,
} from "./validation.js";

export const PROCESS = "payment";

export interface PaymentServiceOptions {
  node: RaftNode<CommandResult | undefined>;
  state: PaymentStateMachine;
  cipher: CardCipher;
  /** PAYMENT_SEED: the simulated outcomes' seed. */
  seed: string;
  adminToken: string;
  logger: Logger;
  now?: () => number;
}

export type PaymentHandlers = UnaryHandlers<typeof PaymentServiceService>;

const PROTO_STATE: Record<PaymentStatus, ProtoState> = {
  AUTHORIZED: ProtoState.PAYMENT_STATE_AUTHORIZED,
  CAPTURED: ProtoState.PAYMENT_STATE_CAPTURED,
  VOIDED: ProtoState.PAYMENT_STATE_VOIDED,
  DECLINED: ProtoState.PAYMENT_STATE_DECLINED,
};

/** A Raft failure as the caller can act on it; every payment RPC is idempotent, so a retry is safe. */
function asAppError(error: unknown): unknown {
  if (!(error instanceof RaftError)) return error;
  if (error.outcomeUnknown)
    return new AppError(GrpcStatus.ABORTED, `outcome unknown (${error.message}); retry`);
  return AppError.unavailable(`payment store unavailable: ${error.message}`);
}

function refusalError(r: Extract<Decided, { ok: false }>): AppError {
  return r.reason === "NOT_PREPARED" ? AppError.notFound(r.message) : AppError.failedPrecondition(r.message);
}

function voteReply(v: Vote): PrepareResponse {
  return v.vote
    ? { success: true, message: "", paymentId: v.paymentId, reasonCode: "" }
    : { success: false, message: v.message, paymentId: v.paymentId, reasonCode: v.reason };
}

function transaction(r: PaymentRecord): PaymentTransaction {
  return {
    transactionId: r.tx,
    orderId: r.orderId,
    state: PROTO_STATE[r.status],
    amountCents: r.amountCents,
    paymentId: r.paymentId,
    customerId: r.customerId,
    paymentMethod: r.method,
    reasonCode: r.reason,
    confirmationCode: r.confirmationCode,
    processedAt: new Date(r.at).toISOString(),
  };
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function paymentHandlers(o: PaymentServiceOptions): PaymentHandlers {
  const { node, state, cipher, logger } = o;
  const now = o.now ?? Date.now;

  const propose = async <T extends CommandResult>(c: Command): Promise<T> => {
    try {
      const r = await node.propose(encodeCommand(c));
      if (!r) throw new AppError(GrpcStatus.INTERNAL, "command produced no result");
      return r as T;
    } catch (error) {
      throw asAppError(error);
    }
  };

  /** The simulated network's answer; a card is read from the vault as a real processor would. */
  const outcomeOf = (p: PrepareInput): Outcome | Vote => {
    const card = p.method === "credit_card" ? state.card(p.token) : undefined;
    let number = "";
    try {
      number = card ? cipher.open(card.sealed, p.token) : "";
    } catch (error) {
      logger.error(
        { txId: p.tx, err: error },
        "the vault cannot open a card: was PAYMENT_VAULT_KEY changed?",
      );
      return {
        vote: false,
        reason: "INVALID_TOKEN",
        message: "the vault cannot read this card",
        paymentId: "",
      };
    }
    return authorize(p.method, number, outcomeRoll(o.seed, p.tx));
  };

  const decided = (r: Decided, what: string): PaymentRecord | undefined => {
    if (!r.ok) throw refusalError(r);
    if (r.record) logger.info({ txId: r.record.tx, orderId: r.record.orderId, state: r.record.status }, what);
    return r.record;
  };

  return {
    tokenizeCard: async (req) => {
      const card = checkTokenize(req, new Date(now()));
      const token = cipher.tokenFor(card.number, card.expiry, card.customerId);
      if (!state.card(token)) {
        const { customerId, brand, last4, expiry } = card;
        const sealed = cipher.seal(card.number, token);
        await propose({ op: "tokenize", token, card: { customerId, brand, last4, expiry, sealed } });
      }
      return { token, brand: card.brand, last4: card.last4 };
    },

    prepare: async (req) => {
      const input = checkPrepare(req);
      const at = now();
      const known = state.preview({ ...input, at });
      if (known) return voteReply(known);
      const outcome = outcomeOf(input);
      if (typeof outcome !== "string") return voteReply(outcome);
      const vote = await propose<Vote>({ op: "prepare", ...input, at, paymentId: newPaymentId(), outcome });
      const fields = { txId: input.tx, orderId: input.orderId, amountCents: input.amountCents };
      logger.info(
        { ...fields, vote: vote.vote, reason: vote.vote ? "" : vote.reason },
        "authorisation attempt",
      );
      return voteReply(vote);
    },

    commit: async (req) => {
      checkTransactionId(req.transactionId);
      const held = state.record(req.transactionId);
      if (req.paymentId && held && held.paymentId !== req.paymentId) {
        throw AppError.failedPrecondition(`payment_id does not belong to transaction ${req.transactionId}`);
      }
      const confirmationCode = newConfirmationCode();
      const r = await propose<Decided>({ op: "commit", tx: req.transactionId, at: now(), confirmationCode });
      const record = decided(r, "hold captured") as PaymentRecord;
      return {
        success: true,
        message: "",
        confirmationCode: record.confirmationCode,
        processedAt: new Date(record.at).toISOString(),
        paymentId: record.paymentId,
      };
    },

    abort: async (req) => {
      checkTransactionId(req.transactionId);
      const record = decided(
        await propose<Decided>({ op: "abort", tx: req.transactionId, at: now() }),
        "hold voided",
      );
      const message = record ? "" : "no hold for this transaction; a later Prepare of it votes no";
      return { success: true, message };
    },

    getStatus: (req) => {
      checkTransactionId(req.transactionId);
      const r = state.record(req.transactionId);
      if (!r) throw AppError.notFound(`no payment for transaction ${req.transactionId}`);
      const t = transaction(r);
      const { state: s, paymentId, amountCents, confirmationCode, orderId, reasonCode, processedAt } = t;
      return { state: s, paymentId, amountCents, confirmationCode, orderId, reasonCode, processedAt };
    },

    listTransactions: (req) => {
      if (!sameSecret(req.adminToken, o.adminToken)) {
        throw new AppError(GrpcStatus.PERMISSION_DENIED, "admin_token is required for ListTransactions");
      }
      const { size, after } = checkPage(req.pageSize, req.pageToken);
      const page = state.list(after, size + 1);
      const transactions = page.slice(0, size).map(transaction);
      const last = transactions.at(-1);
      const more = page.length > size && last !== undefined;
      return {
        transactions,
        nextPageToken: more ? Buffer.from(last.transactionId).toString("base64url") : "",
      };
    },
  };
}

export function paymentService(options: PaymentServiceOptions): ServiceRegistration {
  return {
    name: "bookstore.v1.PaymentService",
    definition: PaymentServiceService,
    implementation: implement(PaymentServiceService, paymentHandlers(options)),
  };
}
