import { resolveCountry } from "@bookstore/countries";
import { type Violation, violation } from "./violation.js";

export { resolveCountry };

export interface BillingAddressInput {
  street: string;
  city: string;
  state?: string;
  zip: string;
  country: string;
}

export interface BillingAddressCheck {
  violations: Violation[];
  /** ISO 3166-1 alpha-2 code, set when the country was recognised. */
  country?: string;
}

export const MAX_LENGTHS = { street: 200, city: 100, state: 100, zip: 12, country: 100 } as const;

const POSTAL_CODES: Readonly<Record<string, RegExp>> = {
  US: /^\d{5}(-\d{4})?$/,
  // Royal Mail format, including the GIR 0AA special case; the space is optional.
  GB: /^(GIR ?0AA|[A-PR-UWYZ](\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRV-Y]) ?\d[ABD-HJLNP-UW-Z]{2})$/,
  CA: /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$/,
  DE: /^\d{5}$/,
  EE: /^\d{5}$/,
  FR: /^\d{2} ?\d{3}$/,
  NL: /^\d{4} ?[A-Z]{2}$/,
  SE: /^(SE-?)?\d{3} ?\d{2}$/,
  FI: /^(FI-?)?\d{5}$/,
  // Eircode: routing key + unique identifier; loosely, 3 + 4 alphanumerics.
  IE: /^[A-Z\d]{3} ?[A-Z\d]{4}$/,
  LV: /^(LV-?)?\d{4}$/,
  LT: /^(LT-?)?\d{5}$/,
  PL: /^\d{2}-?\d{3}$/,
  ES: /^\d{5}$/,
  IT: /^\d{5}$/,
  AT: /^\d{4}$/,
  CH: /^\d{4}$/,
  BE: /^\d{4}$/,
  DK: /^\d{4}$/,
  NO: /^\d{4}$/,
  AU: /^\d{4}$/,
  JP: /^\d{3}-?\d{4}$/,
};

const GENERIC_POSTAL_CODE = /^[A-Z\d][A-Z\d -]*$/;

/** Whether `zip` is a plausible postal code for the alpha-2 `country` (generic rule if unknown). */
export function isValidPostalCode(zip: string, country: string | undefined): boolean {
  const code = zip.trim().toUpperCase();
  if (code === "" || code.length > MAX_LENGTHS.zip) return false;
  const pattern = (country === undefined ? undefined : POSTAL_CODES[country]) ?? GENERIC_POSTAL_CODE;
  return pattern.test(code);
}

const STATE_REQUIRED = new Set(["US", "CA"]);

type TextField = keyof typeof MAX_LENGTHS;

/** Checks the billing address and returns every violation, plus the resolved country when known. */
export function checkBillingAddress(address: BillingAddressInput): BillingAddressCheck {
  const violations: Violation[] = [];
  const text = (name: TextField): string | undefined => {
    const value: unknown = address?.[name];
    if (typeof value !== "string") return undefined;
    const trimmed = value.trim();
    return trimmed === "" ? undefined : trimmed;
  };
  const path = (name: TextField) => `billingAddress.${name}`;

  const present = new Map<TextField, string>();
  for (const name of ["street", "city", "state", "zip", "country"] as const) {
    const value = text(name);
    if (value === undefined) continue;
    if (value.length > MAX_LENGTHS[name]) {
      violations.push(
        violation(path(name), "length", `${path(name)} must be at most ${MAX_LENGTHS[name]} characters.`),
      );
    } else {
      present.set(name, value);
    }
  }
  for (const name of ["street", "city", "zip", "country"] as const) {
    if (text(name) === undefined)
      violations.push(violation(path(name), "required", `${path(name)} is required.`));
  }

  const countryText = present.get("country");
  const country = countryText === undefined ? undefined : resolveCountry(countryText);
  if (countryText !== undefined && country === undefined) {
    violations.push(
      violation(path("country"), "unknown_country", `${path("country")} is not a recognised country.`),
    );
  }

  if (country !== undefined && STATE_REQUIRED.has(country) && text("state") === undefined) {
    violations.push(violation(path("state"), "required", `${path("state")} is required for this country.`));
  }

  const zip = present.get("zip");
  if (zip !== undefined && !isValidPostalCode(zip, country)) {
    violations.push(
      violation(
        path("zip"),
        "postal_code",
        country !== undefined && POSTAL_CODES[country]
          ? `${path("zip")} is not a valid postal code for ${country}.`
          : `${path("zip")} must be letters, digits, spaces or dashes.`,
      ),
    );
  }

  return country === undefined ? { violations } : { violations, country };
}
