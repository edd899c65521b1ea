/**
 * What the fraud service sees of an order. Never a card number: only a keyed fingerprint (so the
 * same card can be counted without being recoverable), the BIN, the last four digits and the brand.
 */
export interface FraudOrder {
  orderId: string;
  /** Lowercased by the caller. */
  email?: string;
  phone?: string;
  clientIp: string;
  card: { fingerprint: string; bin: string; last4: string; brand: string };
  lines: { bookId: string; quantity: number; unitPriceCents: number }[];
  /** ISO 3166-1 alpha-2, "" when unknown. */
  billingCountry: string;
}

/** One reason for risk: a stable code, its contribution in (0,1], and a human-readable detail. */
export interface RiskSignal {
  code: string;
  weight: number;
  detail: string;
}

export type Decision = "APPROVE" | "REVIEW" | "REJECT";

export interface RiskAssessment {
  score: number;
  decision: Decision;
  signals: RiskSignal[];
}

/** A score at or above `reviewAt` is held for review, at or above `rejectAt` rejected. */
export interface Thresholds {
  reviewAt: number;
  rejectAt: number;
}
