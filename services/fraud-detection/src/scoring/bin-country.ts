/**
 * Issuing country of a card by its BIN (leading digits), for the BIN-country vs billing-country
 * check. SAMPLE DATA: a handful of well-known test numbers and illustrative ranges, enough for
 * the demo and the tests. It is not an authoritative issuer table: production would load a
 * licensed BIN database into the same shape. A BIN not found here gives no signal.
 *
 * (Stripe's per-country test cards are no use here: they all share the BIN 400000 and carry the
 * country in digits 7-9, which the fraud service never receives.)
 */
export const SAMPLE_BIN_COUNTRIES: Readonly<Record<string, string>> = {
  // Test numbers of the card networks / payment gateways, treated as US-issued.
  "411111": "US", // Visa 4111 1111 1111 1111
  "424242": "US", // Visa 4242 4242 4242 4242
  "555555": "US", // Mastercard 5555 5555 5555 4444
  "510510": "US", // Mastercard 5105 1051 0510 5100
  "378282": "US", // American Express 3782 822463 10005
  "371449": "US", // American Express 3714 496353 98431
  "601111": "US", // Discover 6011 1111 1111 1117
  // Illustrative non-US ranges.
  "4571": "DK", // Visa/Dankort co-branded cards
  "5019": "DK", // Dankort
  "606282": "BR", // Hipercard
  "3530": "JP", // JCB (test number 3530 1113 3330 0000)
};

/**
 * The issuing country (ISO alpha-2) of the longest prefix of `bin` in `table`, or undefined
 * when no prefix is known or `bin` is not 6 to 8 digits.
 */
export function binCountry(
  bin: string,
  table: Readonly<Record<string, string>> = SAMPLE_BIN_COUNTRIES,
): string | undefined {
  if (!/^\d{6,8}$/.test(bin)) return undefined;
  for (let length = bin.length; length > 0; length--) {
    const country = Object.hasOwn(table, bin.slice(0, length)) ? table[bin.slice(0, length)] : undefined;
    if (country !== undefined) return country;
  }
  return undefined;
}
