import { createHmac } from "node:crypto";
import type { CardSummary } from "@bookstore/proto";

/** Digits of a card number as typed (spaces and dashes removed). */
export function cardDigits(number: string): string {
  return number.replace(/[\s-]/g, "");
}

/**
 * What the fraud service may know about a card: a keyed hash (so equal cards can be counted
 * without the number being recoverable from it), the BIN and the last four digits.
 */
export function summarizeCard(number: string, fingerprintKey: string): CardSummary {
  const digits = cardDigits(number);
  const usable = /^\d{12,19}$/.test(digits);
  return {
    fingerprint: createHmac("sha256", fingerprintKey).update(digits).digest("hex"),
    bin: usable ? digits.slice(0, 6) : "",
    last4: usable ? digits.slice(-4) : "",
    brand: "",
  };
}
