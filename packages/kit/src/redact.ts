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
