// The PaymentService handlers: validation, then a proposal to the payment's single-node Raft group
// (answered once the entry is fsync'd and applied), or a read of the applied state. In a one-member
// group every acknowledged write is already applied here, so reads need no ReadIndex round.
import { createHash, timingSafeEqual } from "node:crypto";
import {
  AppError,
  implement,
  type Logger,
  type ServiceRegistration,
  toServiceError,
  type UnaryHandlers,
} from "@bookstore/kit";
import {
  type AbortRequest,
  type AbortResponse,
  type CommitRequest,
  type CommitResponse,
  type GetStatusRequest,
  type GetStatusResponse,
  type ListTransactionsRequest,
  type ListTransactionsResponse,
  type PaymentBatchOperation,
  type PaymentBatchRequest,
  type PaymentBatchResponse,
  type PaymentBatchResult,
  PaymentServiceService,
  type PaymentTransaction,
  type PrepareRequest,
  type PrepareResponse,
  PaymentState as ProtoState,
  type TokenizeCardRequest,
  type TokenizeCardResponse,
} from "@bookstore/proto";
import { RaftError, type RaftNode } from "@bookstore/raft";
import { invariant } from "@bookstore/two-phase-commit";
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

/** What the handlers share: the options, the clock, and a proposal that maps Raft failures. */
interface Ctx extends PaymentServiceOptions {
  now: () => number;
  propose<T extends CommandResult>(c: Command): Promise<T>;
}

/** The simulated network's answer; a card is read from the vault as a real processor would. */
function outcomeOf(ctx: Ctx, p: PrepareInput): Outcome | Vote {
  const card = p.method === "credit_card" ? ctx.state.card(p.token) : undefined;
  let number = "";
  try {
    number = card ? ctx.cipher.open(card.sealed, p.token) : "";
  } catch (error) {
    ctx.logger.error(
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
  return authorize(p.method, number, outcomeRoll(ctx.seed, p.tx));
}

// Per-payment lines are debug: at info each costs ~1.5 ms of the call's latency (measured), and
// LOG_LEVEL=debug follows one order by its txId / orderId.
function decided(ctx: Ctx, r: Decided, what: string): PaymentRecord | undefined {
  if (!r.ok) throw refusalError(r);
  const record = r.record;
  if (record) ctx.logger.debug({ txId: record.tx, orderId: record.orderId, state: record.status }, what);
  return record;
}

async function tokenizeCard(ctx: Ctx, req: TokenizeCardRequest): Promise<TokenizeCardResponse> {
  const card = checkTokenize(req, new Date(ctx.now()));
  const token = ctx.cipher.tokenFor(card.number, card.expiry, card.customerId);
  if (!ctx.state.card(token)) {
    const { customerId, brand, last4, expiry } = card;
    const sealed = ctx.cipher.seal(card.number, token);
    await ctx.propose({ op: "tokenize", token, card: { customerId, brand, last4, expiry, sealed } });
  }
  return { token, brand: card.brand, last4: card.last4 };
}

async function prepare(ctx: Ctx, req: PrepareRequest): Promise<PrepareResponse> {
  const input = checkPrepare(req);
  const at = ctx.now();
  const known = ctx.state.preview({ ...input, at });
  if (known) return voteReply(known);
  const outcome = outcomeOf(ctx, input);
  if (typeof outcome !== "string") return voteReply(outcome);
  const vote = await ctx.propose<Vote>({ op: "prepare", ...input, at, paymentId: newPaymentId(), outcome });
  const reason = vote.vote ? "" : vote.reason;
  ctx.logger.debug(
    { txId: input.tx, orderId: input.orderId, amountCents: input.amountCents, vote: vote.vote, reason },
    "authorisation attempt",
  );
  return voteReply(vote);
}

async function commit(ctx: Ctx, req: CommitRequest): Promise<CommitResponse> {
  checkTransactionId(req.transactionId);
  const held = ctx.state.record(req.transactionId);
  if (req.paymentId && held && held.paymentId !== req.paymentId) {
    throw AppError.failedPrecondition(`payment_id does not belong to transaction ${req.transactionId}`);
  }
  const command: Command = {
    op: "commit",
    tx: req.transactionId,
    at: ctx.now(),
    confirmationCode: newConfirmationCode(),
  };
  const record = decided(ctx, await ctx.propose<Decided>(command), "hold captured");
  invariant(record !== undefined, "a capture has its record");
  const { confirmationCode, paymentId } = record;
  return {
    success: true,
    message: "",
    confirmationCode,
    processedAt: new Date(record.at).toISOString(),
    paymentId,
  };
}

async function abort(ctx: Ctx, req: AbortRequest): Promise<AbortResponse> {
  checkTransactionId(req.transactionId);
  const r = await ctx.propose<Decided>({ op: "abort", tx: req.transactionId, at: ctx.now() });
  const record = decided(ctx, r, "hold voided");
  return {
    success: true,
    message: record ? "" : "no hold for this transaction; a later Prepare of it votes no",
  };
}

/** Most operations in one Batch call. */
export const MAX_BATCH_OPERATIONS = 1000;

/** Each operation through its own call's handler, all at once: their proposals share one append. */
async function batch(ctx: Ctx, req: PaymentBatchRequest): Promise<PaymentBatchResponse> {
  if (req.operations.length > MAX_BATCH_OPERATIONS) {
    throw AppError.invalid([
      { field: "operations", message: `at most ${MAX_BATCH_OPERATIONS} operations in one batch` },
    ]);
  }
  return { results: await Promise.all(req.operations.map((op, i) => batchOperation(ctx, op, i))) };
}

async function batchOperation(
  ctx: Ctx,
  op: PaymentBatchOperation,
  index: number,
): Promise<PaymentBatchResult> {
  try {
    const o = op.operation;
    switch (o?.$case) {
      case "prepare":
        return done({ $case: "prepare", value: await prepare(ctx, o.value) });
      case "commit":
        return done({ $case: "commit", value: await commit(ctx, o.value) });
      case "abort":
        return done({ $case: "abort", value: await abort(ctx, o.value) });
      default:
        throw AppError.invalid([
          { field: `operations[${index}]`, message: "one of prepare, commit or abort is required" },
        ]);
    }
  } catch (error) {
    if (!(error instanceof AppError))
      ctx.logger.error({ err: error, index }, "a batched payment call failed");
    const e = toServiceError(error);
    return {
      code: e.code ?? GrpcStatus.INTERNAL,
      errorMessage: e.details ?? "internal error",
      response: undefined,
    };
  }
}

function done(response: PaymentBatchResult["response"]): PaymentBatchResult {
  return { code: GrpcStatus.OK, errorMessage: "", response };
}

function getStatus(ctx: Ctx, req: GetStatusRequest): GetStatusResponse {
  checkTransactionId(req.transactionId);
  const r = ctx.state.record(req.transactionId);
  if (!r) throw AppError.notFound(`no payment for transaction ${req.transactionId}`);
  const { state, paymentId, amountCents, confirmationCode, orderId, reasonCode, processedAt } =
    transaction(r);
  return { state, paymentId, amountCents, confirmationCode, orderId, reasonCode, processedAt };
}

function listTransactions(ctx: Ctx, req: ListTransactionsRequest): ListTransactionsResponse {
  if (!sameSecret(req.adminToken, ctx.adminToken)) {
    throw new AppError(GrpcStatus.PERMISSION_DENIED, "admin_token is required for ListTransactions");
  }
  const { size, after } = checkPage(req.pageSize, req.pageToken);
  const page = ctx.state.list(after, size + 1);
  const transactions = page.slice(0, size).map(transaction);
  const last = transactions.at(-1);
  const more = page.length > size && last !== undefined;
  return { transactions, nextPageToken: more ? Buffer.from(last.transactionId).toString("base64url") : "" };
}

export function paymentHandlers(o: PaymentServiceOptions): PaymentHandlers {
  const ctx: Ctx = {
    ...o,
    now: o.now ?? Date.now,
    propose: async <T extends CommandResult>(c: Command): Promise<T> => {
      try {
        const r = await o.node.propose(encodeCommand(c));
        if (!r) throw new AppError(GrpcStatus.INTERNAL, "command produced no result");
        return r as T;
      } catch (error) {
        throw asAppError(error);
      }
    },
  };
  return {
    tokenizeCard: (req) => tokenizeCard(ctx, req),
    prepare: (req) => prepare(ctx, req),
    commit: (req) => commit(ctx, req),
    abort: (req) => abort(ctx, req),
    getStatus: (req) => getStatus(ctx, req),
    listTransactions: (req) => listTransactions(ctx, req),
    batch: (req) => batch(ctx, req),
  };
}

export function paymentService(options: PaymentServiceOptions): ServiceRegistration {
  return {
    name: "bookstore.v1.PaymentService",
    definition: PaymentServiceService,
    implementation: implement(PaymentServiceService, paymentHandlers(options)),
  };
}
