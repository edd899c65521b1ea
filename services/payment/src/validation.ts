// Input checks of the payment RPCs, done before anything is proposed: bad input is INVALID_ARGUMENT
// with every offending field named, and nothing is written. Messages never echo a card number or CVV.
import { AppError, type FieldProblem } from "@bookstore/kit";
import type { PrepareRequest, TokenizeCardRequest } from "@bookstore/proto";
import { checkCard, normalizeCardNumber } from "@bookstore/transaction-verification/rules/card";
import type { CardBrand } from "@bookstore/transaction-verification/rules/card-brand";
import { parseExpiry } from "@bookstore/transaction-verification/rules/expiry";
import { coordinatorProblems } from "@bookstore/two-phase-commit";
import { PAYMENT_METHODS, type PaymentMethod } from "./outcomes.js";

/** Largest amount one hold may be for: 1,000,000.00 in currency units. */
export const MAX_AMOUNT_CENTS = 100_000_000;
const MAX_ID = 128;
const TOKEN = /^tok_[A-Za-z0-9_-]{32}$/;

/** A card that passed the checks, as the vault keeps it (plus the number, which it seals). */
export interface CardToVault {
  number: string;
  brand: CardBrand;
  last4: string;
  /** MM/YYYY */
  expiry: string;
  customerId: string;
}

export interface PrepareInput {
  tx: string;
  orderId: string;
  customerId: string;
  method: PaymentMethod;
  /** The vault token ("" for a bank transfer). */
  token: string;
  amountCents: number;
  coordinator: string;
}

function idProblems(value: string, field: string): FieldProblem[] {
  return value.length === 0 || value.length > MAX_ID
    ? [{ field, message: `${field} must be 1..${MAX_ID} characters` }]
    : [];
}

function fail(problems: FieldProblem[]): void {
  if (problems.length > 0) throw AppError.invalid(problems);
}

export function checkTransactionId(tx: string): void {
  fail(idProblems(tx, "transaction_id"));
}

// checkCard names the fields of the checkout body; TokenizeCard's are the proto's.
const CARD_FIELDS: Record<string, string> = {
  "creditCard.number": "number",
  "creditCard.expirationDate": "expiration_date",
  "creditCard.cvv": "cvv",
};

/** Luhn, brand and length, MM/YY expiry not past, CVV 3–4 digits (checked, never kept). */
export function checkTokenize(req: TokenizeCardRequest, now: Date): CardToVault {
  const problems = idProblems(req.customerId, "customer_id");
  const card = checkCard({ number: req.number, expirationDate: req.expirationDate, cvv: req.cvv }, now);
  for (const v of card.violations) {
    const field = CARD_FIELDS[v.field] ?? v.field;
    problems.push({ field, rule: v.rule, message: v.message.replaceAll(v.field, field) });
  }
  fail(problems);
  const parsed = parseExpiry(req.expirationDate);
  if (!parsed.ok || card.brand === undefined) throw new Error("checkCard accepted a card it cannot describe");
  const number = normalizeCardNumber(req.number);
  const { month, year } = parsed.expiry;
  return {
    number,
    brand: card.brand,
    last4: number.slice(-4),
    expiry: `${String(month).padStart(2, "0")}/${year}`,
    customerId: req.customerId,
  };
}

/** amount_cents, or else the seed's `amount` in currency units (which must be whole cents). */
function amountOf(req: PrepareRequest): { cents: number; problems: FieldProblem[] } {
  const field = req.amountCents !== 0 || req.amount === 0 ? "amount_cents" : "amount";
  const cents = field === "amount_cents" ? req.amountCents : Math.round(req.amount * 100);
  const whole = field === "amount_cents" || Math.abs(req.amount * 100 - cents) < 1e-6;
  if (!whole || !Number.isSafeInteger(cents) || cents <= 0 || cents > MAX_AMOUNT_CENTS) {
    const message = `${field} must be a whole number of cents from 1 to ${MAX_AMOUNT_CENTS} (1 to 1000000.00 units)`;
    return { cents: 0, problems: [{ field, message }] };
  }
  return { cents, problems: [] };
}

/** The token: card_token, or the seed's metadata["card_token"]; both set must agree. */
function tokenOf(req: PrepareRequest, method: string): { token: string; problems: FieldProblem[] } {
  const fromMetadata = req.metadata.card_token ?? "";
  const token = req.cardToken || fromMetadata;
  if (req.cardToken && fromMetadata && req.cardToken !== fromMetadata) {
    return {
      token,
      problems: [{ field: "card_token", message: 'card_token and metadata["card_token"] differ' }],
    };
  }
  if (method === "bank_transfer" && token) {
    return {
      token,
      problems: [{ field: "card_token", message: "card_token must be empty for bank_transfer" }],
    };
  }
  if (method === "credit_card" && !TOKEN.test(token)) {
    const message = token
      ? "card_token is not a vault token (tok_...)"
      : "card_token is required for credit_card";
    return { token, problems: [{ field: "card_token", message }] };
  }
  return { token, problems: [] };
}

export function checkPrepare(req: PrepareRequest): PrepareInput {
  const method = req.paymentMethod as PaymentMethod;
  const problems = [
    ...idProblems(req.transactionId, "transaction_id"),
    ...idProblems(req.orderId, "order_id"),
    ...idProblems(req.customerId, "customer_id"),
    ...coordinatorProblems(req.coordinator),
  ];
  if (!PAYMENT_METHODS.includes(method)) {
    problems.push({
      field: "payment_method",
      message: `payment_method must be one of ${PAYMENT_METHODS.join(", ")}`,
    });
  }
  const amount = amountOf(req);
  const token = tokenOf(req, method);
  fail([...problems, ...amount.problems, ...token.problems]);
  return {
    tx: req.transactionId,
    orderId: req.orderId,
    customerId: req.customerId,
    method,
    token: token.token,
    amountCents: amount.cents,
    coordinator: req.coordinator,
  };
}

/** Page size 1..1000 (0 = 100) and the position after which the page starts. */
export function checkPage(pageSize: number, pageToken: string): { size: number; after: string } {
  if (!Number.isSafeInteger(pageSize) || pageSize < 0 || pageSize > 1000) {
    fail([{ field: "page_size", message: "page_size must be 0..1000 (0 = 100)" }]);
  }
  const after = Buffer.from(pageToken, "base64url").toString();
  if (pageToken !== "" && (after === "" || Buffer.from(after).toString("base64url") !== pageToken)) {
    fail([{ field: "page_token", message: "page_token is not one this service issued" }]);
  }
  return { size: pageSize === 0 ? 100 : pageSize, after };
}
