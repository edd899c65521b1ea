import type { FraudOrder, VelocityCounts, WindowCounts } from "../src/scoring/index.js";
import { DEFAULT_VELOCITY_WINDOWS } from "../src/scoring/index.js";

let next = 0;

/** A normal order: three books (~$45), a known customer in the US paying with a US card. */
export function order(overrides: Partial<FraudOrder> = {}): FraudOrder {
  next++;
  return {
    orderId: `order-${next}`,
    email: "reader@example.com",
    clientIp: "203.0.113.7",
    card: { fingerprint: "9f86d081884c7d659a2feaa0c55ad015", bin: "411111", last4: "1111", brand: "visa" },
    lines: [
      { bookId: "dune", quantity: 1, unitPriceCents: 1899 },
      { bookId: "the-hobbit", quantity: 2, unitPriceCents: 1299 },
    ],
    billingCountry: "US",
    ...overrides,
  };
}

/** Velocity counts: zero everywhere but where given. */
export function counts(
  overrides: Partial<Record<"card" | "contact" | "ip", Partial<WindowCounts>>> = {},
): VelocityCounts {
  const zero = (c: Partial<WindowCounts> = {}): WindowCounts => ({ short: 0, long: 0, ...c });
  return {
    windowsMs: DEFAULT_VELOCITY_WINDOWS,
    card: zero(overrides.card),
    contact: zero(overrides.contact),
    ip: zero(overrides.ip),
  };
}
