/**
 * Scrubs card data from serialized log lines. Applied to the final JSON text so that nothing a
 * log call could include (message, fields, error messages and stacks) escapes it.
 */

// 13-19 digits, optionally separated by single spaces or dashes: any card number format.
const PAN = /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g;
// A JSON key that holds a security code or a full card number, whatever its value.
const SECRET_FIELD =
  /"(cvv|cvc|cvv2|cvc2|securityCode|security_code|cardNumber|card_number|pan)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)/gi;

export const REDACTED = "[REDACTED]";

export function redactCardData(text: string): string {
  return text.replace(SECRET_FIELD, `"$1":"${REDACTED}"`).replace(PAN, REDACTED);
}

/** Whether `text` holds a run that could be a card number (what the scrubber replaces). */
export function looksLikeCardNumber(text: string): boolean {
  PAN.lastIndex = 0;
  return PAN.test(text);
}

/**
 * The first of make(0), make(1), … that does not look like a card number. Generated ids (hex
 * hashes, UUIDs) hold a run of 13 digits often enough (about 3 in 100 for a UUID): such an id
 * would be refused by the order executor's card check and scrubbed from every log line.
 */
export function cardSafeId(make: (attempt: number) => string): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const id = make(attempt);
    if (!looksLikeCardNumber(id)) return id;
  }
  throw new Error("no card-safe id in 1000 attempts");
}
