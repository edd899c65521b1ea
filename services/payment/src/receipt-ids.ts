// Identifiers a payment hands out, drawn where a command is proposed (never while applying one, so
// the state machine stays deterministic): random, so neither can be guessed from a transaction id.
import { randomBytes, randomUUID } from "node:crypto";

export function newPaymentId(): string {
  return `pay_${randomUUID()}`;
}

/** Ten upper-case hex characters, as a customer reads it out. */
export function newConfirmationCode(): string {
  return randomBytes(5).toString("hex").toUpperCase();
}
