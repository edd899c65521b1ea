import { type Violation, violation } from "./violation.js";

export const EXPIRY_FIELD = "creditCard.expirationDate";
/** Expiry dates further ahead than this are not issued by real cards. */
export const MAX_YEARS_AHEAD = 20;

export interface Expiry {
  /** 1..12 */
  month: number;
  /** Full year, e.g. 2030. */
  year: number;
}

const FORMAT = /^(\d{2})\/(\d{2}|\d{4})$/;

export type ExpiryParse = { ok: true; expiry: Expiry } | { ok: false; rule: "required" | "format" | "month" };

/** Parses exactly `MM/YY` or `MM/YYYY` (surrounding whitespace ignored); two-digit years are 20YY. */
export function parseExpiry(raw: string): ExpiryParse {
  const text = typeof raw === "string" ? raw.trim() : "";
  if (text === "") return { ok: false, rule: "required" };
  const m = FORMAT.exec(text);
  if (!m?.[1] || !m[2]) return { ok: false, rule: "format" };
  const month = Number(m[1]);
  if (month < 1 || month > 12) return { ok: false, rule: "month" };
  const year = m[2].length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  return { ok: true, expiry: { month, year } };
}

/** The first instant (UTC) at which the card is no longer valid: 00:00 on the 1st of the following month. */
export function expiryEnd({ month, year }: Expiry): Date {
  const end = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  end.setUTCFullYear(year, month, 1);
  return end;
}

export function isExpired(expiry: Expiry, now: Date): boolean {
  return now.getTime() >= expiryEnd(expiry).getTime();
}

export function checkExpiry(raw: string, now: Date, field: string = EXPIRY_FIELD): Violation[] {
  if (Number.isNaN(now.getTime())) throw new RangeError("checkExpiry: `now` is an invalid Date");
  const parsed = parseExpiry(raw);
  if (!parsed.ok) {
    switch (parsed.rule) {
      case "required":
        return [violation(field, "required", `${field} is required.`)];
      case "format":
        return [violation(field, "format", `${field} must be in MM/YY or MM/YYYY format.`)];
      case "month":
        return [violation(field, "month", `${field} must have a month between 01 and 12.`)];
    }
  }
  const { expiry } = parsed;
  if (isExpired(expiry, now)) {
    return [violation(field, "expired", `${field} is in the past: the card has expired.`)];
  }
  const monthsAhead = (expiry.year - now.getUTCFullYear()) * 12 + (expiry.month - (now.getUTCMonth() + 1));
  if (monthsAhead > MAX_YEARS_AHEAD * 12) {
    return [violation(field, "too_far", `${field} is more than ${MAX_YEARS_AHEAD} years in the future.`)];
  }
  return [];
}
