import { allowedLengths, brandDisplayName, type CardBrand, cvvLength, detectBrand } from "./card-brand.js";
import { checkExpiry } from "./expiry.js";
import { luhnValid } from "./luhn.js";
import { type Violation, violation } from "./violation.js";

export interface CardInput {
  number: string;
  expirationDate: string;
  cvv: string;
}

export interface CardCheck {
  violations: Violation[];
  /** Set when the number's leading digits identify a supported brand. */
  brand?: CardBrand;
}

const NUMBER = "creditCard.number";
const CVV = "creditCard.cvv";
const EXPIRY = "creditCard.expirationDate";

// Bounds over all brands, used when the brand is unknown.
const MIN_PAN_LENGTH = 12;
const MAX_PAN_LENGTH = 19;

/** Removes spaces and dashes, the only separators people type in card numbers; everything else is kept. */
export function normalizeCardNumber(raw: string): string {
  return raw.replace(/[ -]/g, "");
}

function listLengths(lengths: readonly number[]): string {
  if (lengths.length === 1) return String(lengths[0]);
  const first = lengths[0] ?? 0;
  const last = lengths[lengths.length - 1] ?? 0;
  const contiguous = lengths.every((n, i) => n === first + i);
  if (contiguous) return `${first} to ${last}`;
  return `${lengths.slice(0, -1).join(", ")} or ${last}`;
}

function checkNumber(raw: unknown): { violations: Violation[]; brand?: CardBrand } {
  const digits = typeof raw === "string" ? normalizeCardNumber(raw) : "";
  if (digits === "") {
    return { violations: [violation(NUMBER, "required", `${NUMBER} is required.`)] };
  }
  if (!/^\d+$/.test(digits)) {
    // Nothing below is meaningful for a value that is not a digit string.
    return {
      violations: [violation(NUMBER, "format", `${NUMBER} may contain only digits, spaces and dashes.`)],
    };
  }

  const violations: Violation[] = [];
  const brand = detectBrand(digits);
  if (brand === undefined) {
    violations.push(violation(NUMBER, "brand", `${NUMBER} does not belong to a supported card brand.`));
    if (digits.length < MIN_PAN_LENGTH || digits.length > MAX_PAN_LENGTH) {
      violations.push(
        violation(NUMBER, "length", `${NUMBER} must have ${MIN_PAN_LENGTH} to ${MAX_PAN_LENGTH} digits.`),
      );
    }
  } else {
    const lengths = allowedLengths(brand);
    if (!lengths.includes(digits.length)) {
      violations.push(
        violation(
          NUMBER,
          "length",
          `${NUMBER} must have ${listLengths(lengths)} digits for ${brandDisplayName(brand)} cards.`,
        ),
      );
    }
  }
  if (!luhnValid(digits)) {
    violations.push(violation(NUMBER, "luhn", `${NUMBER} fails the Luhn checksum.`));
  }
  // Placeholder numbers such as 0000000000000000 pass Luhn but are never issued.
  if (/^(\d)\1*$/.test(digits)) {
    violations.push(
      violation(NUMBER, "invalid_number", `${NUMBER} must not consist of a single repeated digit.`),
    );
  }
  return brand === undefined ? { violations } : { violations, brand };
}

function checkCvv(raw: unknown, brand: CardBrand | undefined): Violation[] {
  if (typeof raw !== "string" || raw.trim() === "") {
    return [violation(CVV, "required", `${CVV} is required.`)];
  }
  const cvv = raw.trim();
  if (!/^\d+$/.test(cvv)) {
    return [violation(CVV, "format", `${CVV} must contain only digits.`)];
  }
  if (brand === undefined) {
    // Without a brand the expected length is unknown; accept either length in use.
    return cvv.length === 3 || cvv.length === 4
      ? []
      : [violation(CVV, "length", `${CVV} must have 3 or 4 digits.`)];
  }
  const expected = cvvLength(brand);
  return cvv.length === expected
    ? []
    : [violation(CVV, "length", `${CVV} must have ${expected} digits for ${brandDisplayName(brand)} cards.`)];
}

/**
 * Checks number, CVV and expiry of a card and returns every violation found.
 * Messages never echo the number or CVV: they end up in logs and API responses.
 */
export function checkCard(card: CardInput, now: Date): CardCheck {
  const number = checkNumber(card?.number);
  const violations = [
    ...number.violations,
    ...checkCvv(card?.cvv, number.brand),
    ...checkExpiry(typeof card?.expirationDate === "string" ? card.expirationDate : "", now, EXPIRY),
  ];
  return number.brand === undefined ? { violations } : { violations, brand: number.brand };
}
