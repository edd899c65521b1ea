import countries from "i18n-iso-countries";
import en from "i18n-iso-countries/langs/en.json" with { type: "json" };

// The Node entry point registers every locale already; registering English explicitly keeps
// resolution working if the package ever resolves to its browser entry, which registers none.
countries.registerLocale(en);

const MAX_COUNTRY_LENGTH = 100;

// Names people use that are not ISO codes or English names in the locale data.
// A Map, not an object literal: a lookup by what the caller typed must never find "constructor".
const ALIASES: ReadonlyMap<string, string> = new Map([
  ["uk", "GB"],
  ["great britain", "GB"],
  ["england", "GB"],
  ["scotland", "GB"],
  ["wales", "GB"],
  ["northern ireland", "GB"],
  ["usa", "US"],
  ["u.s.a.", "US"],
  ["united states", "US"],
  ["united states of america", "US"],
  ["holland", "NL"],
]);

/** Resolves an ISO alpha-2 or alpha-3 code or an English country name (case-insensitive) to alpha-2. */
export function resolveCountry(input: string): string | undefined {
  if (typeof input !== "string") return undefined;
  const text = input.trim().replace(/\s+/g, " ");
  if (text === "" || text.length > MAX_COUNTRY_LENGTH) return undefined;
  const upper = text.toUpperCase();
  // Letters only: the library would also accept numeric codes, which nobody types as a country.
  if (/^[A-Z]{2}$/.test(upper) && countries.isValid(upper)) return upper;
  if (/^[A-Z]{3}$/.test(upper)) {
    const alpha2 = countries.alpha3ToAlpha2(upper);
    if (alpha2) return alpha2;
  }
  const alias = ALIASES.get(text.toLowerCase());
  if (alias) return alias;
  return countries.getSimpleAlpha2Code(text, "en") ?? undefined;
}
