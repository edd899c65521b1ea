import { DEFAULT_MAX_QUANTITY } from "@bookstore/transaction-verification/rules/items";

/**
 * The seed's checkout JSON, as a JSON schema: Fastify validates it (all errors at once), the
 * OpenAPI document at /docs shows it. The shape rules live here: types, required and non-blank
 * fields, lengths, ranges (quantity 1..100, int32) and formats (card number, expiry, CVV, e-mail
 * or phone), so a form learns of every such problem in one answer (400). The business rules
 * (Luhn, brand, CVV length per brand, expiry in the past, postal code per country, duplicates,
 * fraud) stay in the validation services, which name the field too (422). `errorMessage`
 * (ajv-errors) gives each rule words a shopper can act on.
 */
const text = (maxLength: number) => ({ type: "string", maxLength }) as const;

/** A string that must hold something other than spaces. */
const filled = (maxLength: number, pattern = "\\S", format?: string) => ({
  type: "string",
  maxLength,
  pattern,
  errorMessage: {
    pattern: format ? `must be ${format}` : "must not be empty",
    maxLength: `must be at most ${maxLength} characters`,
  },
});
/** Integers travel as int32 to the services: anything outside is refused here, naming the field. */
const int32 = { type: "integer", minimum: -2147483648, maximum: 2147483647 } as const;

/** 12-19 digits, spaces and dashes allowed between them. */
const CARD_NUMBER = "^[ -]*(?:\\d[ -]*){12,19}$";
/** MM/YY or MM/YYYY. */
const EXPIRY = "^\\s*(0[1-9]|1[0-2])/(\\d{2}|\\d{4})\\s*$";
const CVV = "^\\s*\\d{3,4}\\s*$";
/**
 * An e-mail address (something@host.tld) or a phone number (7-15 digits); the exact rule is TV's.
 * The host is written as "up to its first dot after the first character, then two or more": the
 * same strings as `[^\s@]+\.[^\s@]{2,}`, but linear — that form backtracks quadratically, and
 * ajv checks every rule even past maxLength, so a 60 KB contact of "a.a.a..." held the
 * orchestrator's event loop for ~3 s.
 */
const CONTACT = "^\\s*(?:[^\\s@]+@[^\\s@][^\\s@.]*\\.[^\\s@]{2,}|\\+?[\\d\\s().-]{7,32})\\s*$";

/**
 * The checkout body's shape. `maxQuantity` is transaction-verification's `MAX_ITEM_QUANTITY` (the
 * same variable configures both), so the edge never refuses a quantity TV would accept.
 */
export const checkoutBodySchema = (maxQuantity = DEFAULT_MAX_QUANTITY) => ({
  type: "object",
  additionalProperties: false,
  required: ["user", "creditCard", "items", "billingAddress", "shippingMethod", "termsAndConditionsAccepted"],
  properties: {
    user: {
      type: "object",
      additionalProperties: false,
      required: ["name", "contact"],
      properties: {
        name: filled(200),
        contact: filled(254, CONTACT, "an e-mail address or a phone number"),
      },
    },
    creditCard: {
      type: "object",
      additionalProperties: false,
      required: ["number", "expirationDate", "cvv"],
      properties: {
        number: filled(40, CARD_NUMBER, "12 to 19 digits (spaces and dashes allowed)"),
        expirationDate: filled(10, EXPIRY, "a month and year as MM/YY or MM/YYYY"),
        cvv: filled(8, CVV, "3 or 4 digits"),
      },
    },
    items: {
      type: "array",
      minItems: 1,
      maxItems: 100,
      errorMessage: { minItems: "must contain at least one book" },
      items: {
        type: "object",
        additionalProperties: false,
        required: ["quantity"],
        anyOf: [{ required: ["name"] }, { required: ["id"] }],
        properties: {
          name: text(300),
          id: text(200),
          quantity: {
            ...int32,
            minimum: 1,
            maximum: maxQuantity,
            errorMessage: {
              minimum: "must be at least 1",
              maximum: `must be at most ${maxQuantity}`,
            },
          },
        },
      },
    },
    billingAddress: {
      type: "object",
      additionalProperties: false,
      required: ["street", "city", "zip", "country"],
      properties: {
        street: filled(300),
        city: filled(200),
        state: text(200),
        zip: filled(20),
        country: filled(100),
      },
    },
    shippingMethod: { type: "string", enum: ["Standard", "Express", "Overnight"] },
    termsAndConditionsAccepted: { type: "boolean" },
    userComment: text(2000),
    discountCode: text(64),
    giftMessage: text(500),
    giftWrapping: { type: "boolean" },
    notificationPreferences: { type: "array", maxItems: 10, items: text(32) },
    device: {
      type: "object",
      additionalProperties: false,
      properties: { type: text(64), model: text(128), os: text(128) },
    },
    browser: {
      type: "object",
      additionalProperties: false,
      properties: { name: text(64), version: text(64) },
    },
    appVersion: text(32),
    screenResolution: text(32),
    referrer: text(256),
    deviceLanguage: text(32),
  },
});

export interface CheckoutBody {
  user: { name: string; contact: string };
  creditCard: { number: string; expirationDate: string; cvv: string };
  items: { name?: string; id?: string; quantity: number }[];
  billingAddress: { street: string; city: string; state?: string; zip: string; country: string };
  shippingMethod: "Standard" | "Express" | "Overnight";
  termsAndConditionsAccepted: boolean;
  giftWrapping?: boolean;
}
