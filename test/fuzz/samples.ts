// A valid body for each POST route the fuzzer mutates one field at a time.
import { validBody } from "../support/checkout-stack.js";

export function fuzzSamples(): Map<string, () => unknown> {
  return new Map<string, () => unknown>([
    ["/api/checkout", () => validBody()],
    ["/checkout", () => validBody()],
    ["/v2/checkout", () => validBody()],
    ["/api/database/stock", () => ({ books: ["The Hobbit", "dune"] })],
  ]);
}
