// The checkout routes: POST /api/checkout and the seed's POST /checkout and POST /v2/checkout. One
// checkout: build the order from the body (prices from the catalog), validate it through the
// services (checkout-flow.ts), then place an approved order (tokenise the card, submit it to the
// executor cluster) and answer at once with its id and PENDING. An Idempotency-Key makes a retried
// request one order: the first answer is replayed, and the order id is derived from the key, so
// even a retry after this process restarted finds the same order in the executor.
import type { Catalog } from "@bookstore/catalog";
import type { Logger } from "@bookstore/kit";
import { FraudDecision } from "@bookstore/proto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type CheckoutBody, checkoutBodySchema } from "../checkout-body.js";
import type { CheckoutFlow, CheckoutOutcome } from "../checkout-flow.js";
import { buildCheckoutOrder, type CheckoutOrder } from "../checkout-order.js";
import { errorBody } from "../http-errors.js";
import { type IdempotencyCache, orderIdFor, type StoredResponse } from "../idempotency.js";
import type { Placement, SubmitOrder, TokenizeCard } from "../order-placement.js";
import { statusName } from "../order-view.js";
import type { OrderBook, OrderRecord } from "../orders.js";

/** The three checkout routes answer the same checkout in three shapes. */
type Flavour = "api" | "v1" | "v2";

export interface CheckoutRoutesOptions {
  catalog: Catalog;
  flow: Pick<CheckoutFlow, "run">;
  /** Absent: approved orders are only validated (no executor configured). */
  placeOrder?: { tokenize: TokenizeCard; submit: SubmitOrder };
  /**
   * Told of every order about to be submitted (e.g. to follow it and record the purchase once it
   * completes), and then, through the function it returns, of how the submission ended.
   */
  onPlacing?: (order: CheckoutOrder) => (placement: Placement) => void;
  fingerprintKey: string;
  /** transaction-verification's MAX_ITEM_QUANTITY: the body's quantity limit. */
  maxItemQuantity?: number;
  orders: OrderBook;
  idempotency: IdempotencyCache;
  logger: Logger;
}

export function registerCheckoutRoutes(app: FastifyInstance, o: CheckoutRoutesOptions): void {
  const handler = (flavour: Flavour) => async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body as CheckoutBody;
    const key = request.headers["idempotency-key"];
    if (typeof key !== "string" || key.length === 0) {
      const response = await runCheckout(o, flavour, body, request.ip);
      return reply.code(response.statusCode).send(response.body);
    }
    const scoped = `${flavour}:${key}`;
    const result = await o.idempotency.run(scoped, body, () =>
      runCheckout(o, flavour, body, request.ip, orderIdFor(scoped, body)),
    );
    if (result.kind === "conflict") {
      return reply
        .code(422)
        .send(
          errorBody("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with a different request body"),
        );
    }
    if (result.kind === "replayed") reply.header("idempotent-replayed", "true");
    return reply.code(result.response.statusCode).send(result.response.body);
  };

  const schema = { body: checkoutBodySchema(o.maxItemQuantity), tags: ["checkout"] };
  const routes: [string, Flavour, string][] = [
    ["/api/checkout", "api", "Validate and place an order"],
    ["/checkout", "v1", "Seed-compatible: validate and place, the seed's answer"],
    ["/v2/checkout", "v2", "Seed-compatible: validate and queue"],
  ];
  for (const [url, flavour, summary] of routes) {
    app.post(url, { schema: { ...schema, summary } }, handler(flavour));
    app.route({
      method: ["GET", "PUT", "DELETE", "PATCH"],
      url,
      schema: { hide: true },
      handler: (_req, reply) =>
        reply
          .code(405)
          .header("allow", "POST")
          .send(errorBody("METHOD_NOT_ALLOWED", `use POST ${url}`)),
    });
  }
}

async function runCheckout(
  o: CheckoutRoutesOptions,
  flavour: Flavour,
  body: CheckoutBody,
  clientIp: string,
  orderId?: string,
): Promise<StoredResponse> {
  const built = buildCheckoutOrder(body, {
    catalog: o.catalog,
    fingerprintKey: o.fingerprintKey,
    clientIp,
    ...(orderId ? { orderId } : {}),
  });
  if ("problems" in built) {
    const code = built.termsOnly ? "TERMS_NOT_ACCEPTED" : "INVALID_REQUEST";
    return {
      statusCode: 400,
      body: errorBody(code, built.problems.map((p) => p.message).join("; "), built.problems),
    };
  }
  const { order } = built;
  const placer = o.placeOrder;
  // The card is tokenised while the order is validated; the order is submitted once approved,
  // alongside the suggestions event.
  const token = placer?.tokenize(order, body.creditCard);
  const submit =
    placer && token
      ? async () => {
          const card = await token;
          const settled = o.onPlacing?.(order); // before SubmitJob: the order's changes all come after
          const placement = await placer.submit(order, card, body.shippingMethod);
          settled?.(placement);
          return placement;
        }
      : undefined;
  const outcome = await o.flow.run<Placement>(order, submit);
  const placement = outcome.kind === "approved" ? outcome.placement : undefined;
  const record = recordOf(order, outcome, placement);
  o.orders.add(record);
  o.logger.info(
    {
      orderId: order.orderId,
      outcome: outcome.kind,
      placement: placement?.kind,
      status: record.status,
      risk: riskOf(outcome)?.score,
    },
    "checkout decided",
  );
  return respond(flavour, record, outcome, placement);
}

function riskOf(outcome: CheckoutOutcome) {
  return outcome.kind === "unavailable" ? undefined : outcome.risk;
}

function recordOf(
  order: CheckoutOrder,
  outcome: CheckoutOutcome,
  placement: Placement | undefined,
): OrderRecord {
  const base = {
    orderId: order.orderId,
    createdAt: new Date().toISOString(),
    customerId: order.customerId,
    lines: order.lines,
    totalCents: order.totalCents,
    events: outcome.trace,
  };
  switch (outcome.kind) {
    case "approved": {
      const failed =
        placement?.kind === "unavailable"
          ? placement.message
          : placement?.kind === "rejected"
            ? "the payment service refused the card"
            : undefined;
      if (failed) return { ...base, status: "FAILED", suggestedBooks: outcome.suggestions, reason: failed };
      const submitted = placement?.kind === "placed" ? statusName(placement.submitted.status) : "PENDING";
      // An order accepted and not finished is PENDING in this answer (the seed's contract), even if
      // it started at once; its page and /api/orders/:id show the live state.
      const status = submitted === "EXECUTING" ? "PENDING" : submitted;
      return { ...base, status, suggestedBooks: outcome.suggestions };
    }
    case "rejected":
      return { ...base, status: "FAILED", suggestedBooks: [], reason: rejectionMessage(outcome) };
    case "unavailable":
      return { ...base, status: "FAILED", suggestedBooks: [], reason: outcome.message };
  }
}

function rejectionMessage(outcome: Extract<CheckoutOutcome, { kind: "rejected" }>): string {
  const reasons = outcome.violations.map((v) => v.message);
  if (reasons.length === 0 && outcome.risk?.decision === FraudDecision.FRAUD_DECISION_REJECT) {
    reasons.push(`fraud risk ${outcome.risk.score.toFixed(2)} is too high`);
  }
  return `Order rejected: ${reasons.join("; ")}`;
}

function respond(
  flavour: Flavour,
  record: OrderRecord,
  outcome: CheckoutOutcome,
  placement: Placement | undefined,
): StoredResponse {
  if (outcome.kind === "unavailable" || placement?.kind === "unavailable") {
    const message =
      outcome.kind === "unavailable" ? outcome.message : (placement as { message: string }).message;
    return {
      statusCode: 503,
      body: errorBody("SERVICE_UNAVAILABLE", `checkout is unavailable: ${message}; please try again`),
    };
  }
  if (outcome.kind === "rejected") {
    const details = outcome.violations.map((v) => ({ field: v.field, message: v.message, rule: v.rule }));
    return { statusCode: 422, body: errorBody("ORDER_REJECTED", record.reason ?? "Order rejected", details) };
  }
  if (placement?.kind === "rejected") {
    return {
      statusCode: 422,
      body: errorBody("ORDER_REJECTED", "the payment service refused the card", placement.violations),
    };
  }
  const suggestedBooks = record.suggestedBooks.map((b) => ({
    bookId: b.bookId,
    title: b.title,
    author: b.author,
  }));
  switch (flavour) {
    case "v1":
      return { statusCode: 200, body: { orderId: record.orderId, status: "Order Approved", suggestedBooks } };
    case "v2":
      return { statusCode: 200, body: { orderId: record.orderId, status: record.status } };
    case "api":
      return {
        statusCode: 201,
        body: {
          orderId: record.orderId,
          status: record.status,
          totalCents: record.totalCents,
          suggestedBooks,
          suggestions: outcome.suggestionsAvailable ? "available" : "unavailable",
          ...(outcome.risk
            ? { risk: { score: outcome.risk.score, decision: FraudDecision[outcome.risk.decision] } }
            : {}),
          links: { self: `/api/orders/${record.orderId}`, events: `/api/orders/${record.orderId}/events` },
        },
      };
  }
}
