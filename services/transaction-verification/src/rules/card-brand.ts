export type CardBrand = "visa" | "mastercard" | "amex" | "discover" | "jcb" | "diners" | "unionpay";

export interface BrandSpec {
  /** Inclusive IIN ranges; both bounds have the same number of digits, compared against that many leading digits. */
  readonly prefixes: readonly (readonly [string, string])[];
  readonly lengths: readonly number[];
  readonly cvvLength: number;
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const BRANDS: Readonly<Record<CardBrand, BrandSpec>> = {
  visa: { prefixes: [["4", "4"]], lengths: [13, 16, 19], cvvLength: 3 },
  mastercard: {
    prefixes: [
      ["51", "55"],
      ["2221", "2720"],
    ],
    lengths: [16],
    cvvLength: 3,
  },
  amex: {
    prefixes: [
      ["34", "34"],
      ["37", "37"],
    ],
    lengths: [15],
    cvvLength: 4,
  },
  discover: {
    prefixes: [
      ["6011", "6011"],
      ["644", "649"],
      ["65", "65"],
      ["622126", "622925"],
    ],
    lengths: range(16, 19),
    cvvLength: 3,
  },
  jcb: { prefixes: [["3528", "3589"]], lengths: range(16, 19), cvvLength: 3 },
  diners: {
    prefixes: [
      ["300", "305"],
      ["3095", "3095"],
      ["36", "36"],
      ["38", "39"],
    ],
    lengths: range(14, 19),
    cvvLength: 3,
  },
  unionpay: { prefixes: [["62", "62"]], lengths: range(16, 19), cvvLength: 3 },
};

// Discover precedes UnionPay: 622126-622925 is co-branded and routed as Discover.
const DETECTION_ORDER: readonly CardBrand[] = [
  "visa",
  "mastercard",
  "amex",
  "discover",
  "jcb",
  "diners",
  "unionpay",
];

function matchesPrefix(digits: string, [from, to]: readonly [string, string]): boolean {
  if (digits.length < from.length) return false;
  const head = digits.slice(0, from.length);
  // Equal-width digit strings compare correctly as strings.
  return head >= from && head <= to;
}

/** The brand whose IIN range the leading digits fall into, or undefined. Expects digits only. */
export function detectBrand(digits: string): CardBrand | undefined {
  if (!/^\d+$/.test(digits)) return undefined;
  return DETECTION_ORDER.find((brand) => BRANDS[brand].prefixes.some((p) => matchesPrefix(digits, p)));
}

export function allowedLengths(brand: CardBrand): readonly number[] {
  return BRANDS[brand].lengths;
}

export function isAllowedLength(brand: CardBrand, length: number): boolean {
  return BRANDS[brand].lengths.includes(length);
}

export function cvvLength(brand: CardBrand): number {
  return BRANDS[brand].cvvLength;
}

const DISPLAY_NAMES: Readonly<Record<CardBrand, string>> = {
  visa: "Visa",
  mastercard: "Mastercard",
  amex: "American Express",
  discover: "Discover",
  jcb: "JCB",
  diners: "Diners Club",
  unionpay: "UnionPay",
};

export function brandDisplayName(brand: CardBrand): string {
  return DISPLAY_NAMES[brand];
}
