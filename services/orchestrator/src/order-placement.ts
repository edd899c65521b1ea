// An approved order leaves the orchestrator here (ARCHITECTURE step 3): the card goes into the
// payment service's vault and only its token travels on, then the order is submitted to the
// order-executor cluster, which answers once the order is committed to its log. Tokenising runs
// while the order is being validated (a rejected order's card stays in the vault, sealed, unused);
// the submission waits for the approval. Both calls are idempotent (same card and customer → same
// token; same job id → same order), so they are retried.
import { callUnary, GrpcStatus, isServiceError, violationsOf } from "@bookstore/kit";
import type { PaymentServiceClient, SubmitJobResponse } from "@bookstore/proto";
import type { ServiceError } from "@grpc/grpc-js";
import type { CheckoutBody } from "./checkout-body.js";
import type { CheckoutOrder } from "./checkout-order.js";
import type { ExecutorClient } from "./executor-client.js";

/** The order as the executor's log holds it: never a card number, only the vault's token. */
export interface OrderPayload {
  orderId: string;
  customerId: string;
  lines: { bookId: string; title: string; quantity: number; unitPriceCents: number }[];
  totalCents: number;
  shippingMethod: CheckoutBody["shippingMethod"];
  payment: { method: "credit_card"; token: string; brand: string; last4: string };
}

export type Placement =
  | { kind: "placed"; submitted: SubmitJobResponse }
  /** The payment service refused the card (its own checks); the fields are the body's. */
  | { kind: "rejected"; violations: { field: string; message: string }[] }
  | { kind: "unavailable"; service: "payment" | "order-executor"; message: string };

/** The payment service's field names as the checkout body's. */
const CARD_FIELDS = new Map([
  ["number", "creditCard.number"],
  ["expiration_date", "creditCard.expirationDate"],
  ["cvv", "creditCard.cvv"],
]);

export interface OrderPlacementOptions {
  payment: PaymentServiceClient;
  executor: ExecutorClient;
  deadlineMs: number;
}

function unavailable(service: "payment" | "order-executor", error: unknown): Placement {
  const e = error as ServiceError;
  const why = isServiceError(error) ? (e.details ?? e.message) : String(error);
  return {
    kind: "unavailable",
    service,
    message: `the ${service} service is unavailable (${why}); nothing was charged`,
  };
}

export interface CardToken {
  token: string;
  brand: string;
  last4: string;
}

/** What placing an order reads of a validated checkout. */
export type OrderToPlace = Pick<CheckoutOrder, "orderId" | "customerId" | "lines" | "totalCents">;

/** Tokenising needs nothing the validation decides, so it runs while the order is validated. */
export type TokenizeCard = (
  order: OrderToPlace,
  card: CheckoutBody["creditCard"],
) => Promise<CardToken | Placement>;
/** Submits an approved order once its card is tokenised. */
export type SubmitOrder = (
  order: OrderToPlace,
  token: CardToken | Placement,
  shippingMethod: OrderPayload["shippingMethod"],
) => Promise<Placement>;

export function orderPlacement(o: OrderPlacementOptions): { tokenize: TokenizeCard; submit: SubmitOrder } {
  const tokenize: TokenizeCard = async (order, card) => {
    try {
      return await callUnary(
        o.payment,
        o.payment.tokenizeCard,
        {
          number: card.number,
          expirationDate: card.expirationDate,
          cvv: card.cvv,
          customerId: order.customerId,
        },
        { deadlineMs: o.deadlineMs, idempotent: true },
      );
    } catch (error) {
      if (isServiceError(error) && error.code === GrpcStatus.INVALID_ARGUMENT) {
        const violations = violationsOf(error).map((v) => ({
          field: CARD_FIELDS.get(v.field) ?? "creditCard",
          message: v.message,
        }));
        return { kind: "rejected", violations };
      }
      return unavailable("payment", error);
    }
  };
  const submit: SubmitOrder = async (order, token, shippingMethod) => {
    if ("kind" in token) return token;
    const payload: OrderPayload = {
      orderId: order.orderId,
      customerId: order.customerId,
      lines: order.lines.map(({ bookId, title, quantity, unitPriceCents }) => ({
        bookId,
        title,
        quantity,
        unitPriceCents,
      })),
      totalCents: order.totalCents,
      shippingMethod,
      payment: { method: "credit_card", token: token.token, brand: token.brand, last4: token.last4 },
    };
    try {
      return { kind: "placed", submitted: await o.executor.submit(order.orderId, JSON.stringify(payload)) };
    } catch (error) {
      return unavailable("order-executor", error);
    }
  };
  return { tokenize, submit };
}

export type PlaceOrder = ReturnType<typeof orderPlacement>;
