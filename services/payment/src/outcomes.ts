// The simulated card network and bank: what an authorisation attempt answers. Pure: the answer is a
// function of the payment method, the card number and a roll derived from (PAYMENT_SEED,
// transaction id), so a run with the same seed reproduces every outcome, and a retried Prepare of
// one transaction gets the same answer. As in the seed's design: cards are approved 95% of the
// time, bank transfers 90%; documented test cards always give the same answer.
import { createHash } from "node:crypto";

export type Outcome = "APPROVED" | "DECLINED" | "INSUFFICIENT_FUNDS";
export type PaymentMethod = "credit_card" | "bank_transfer";

export const PAYMENT_METHODS: readonly PaymentMethod[] = ["credit_card", "bank_transfer"];

/** Share of attempts approved, for cards that are not test cards, and for bank transfers. */
export const APPROVAL_RATE: Readonly<Record<PaymentMethod, number>> = {
  credit_card: 0.95,
  bank_transfer: 0.9,
};

/**
 * Test cards (Luhn-valid, the industry's usual numbers): the first four are the ones the seed's
 * clients send and always approve; the last two always decline.
 */
export const TEST_CARDS: Readonly<Record<string, Outcome>> = {
  "4111111111111111": "APPROVED", // Visa
  "5555555555554444": "APPROVED", // Mastercard
  "378282246310005": "APPROVED", // American Express
  "6011111111111117": "APPROVED", // Discover
  "4000000000000002": "DECLINED",
  "4000000000009995": "INSUFFICIENT_FUNDS",
};

/** A number in [0, 1) from the seed and the transaction id: the first 48 bits of their SHA-256. */
export function outcomeRoll(seed: string, transactionId: string): number {
  const digest = createHash("sha256").update(seed).update("\0").update(transactionId).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The answer to one attempt. `cardNumber` (digits only) is for credit cards. */
export function authorize(method: PaymentMethod, cardNumber: string, roll: number): Outcome {
  if (!(roll >= 0 && roll < 1)) throw new RangeError(`authorize: roll must be in [0, 1), got ${roll}`);
  if (method === "credit_card") {
    const fixed = TEST_CARDS[cardNumber];
    if (fixed) return fixed;
  }
  return roll < APPROVAL_RATE[method] ? "APPROVED" : "DECLINED";
}
