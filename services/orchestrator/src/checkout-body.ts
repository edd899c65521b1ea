/**
 * The seed's checkout JSON, as a JSON schema: Fastify validates it (all errors at once), the
 * OpenAPI document at /docs shows it. Types, required fields, lengths and wire ranges; no unknown
 * field at any level. Business rules (Luhn, expiry, quantities...) belong to the validation
 * services, which name the field too.
 */
const text = (maxLength: number) => ({ type: "string", maxLength }) as const;
/** Integers travel as int32 to the services: anything outside is refused here, naming the field. */
const int32 = { type: "integer", minimum: -2147483648, maximum: 2147483647 } as const;

export const checkoutBodySchema = {
  type: "object",
  additionalProperties: false,
  required: ["user", "creditCard", "items", "billingAddress", "shippingMethod", "termsAndConditionsAccepted"],
  properties: {
    user: {
      type: "object",
      additionalProperties: false,
      required: ["name", "contact"],
      properties: { name: text(200), contact: text(254) },
    },
    creditCard: {
      type: "object",
      additionalProperties: false,
      required: ["number", "expirationDate", "cvv"],
      properties: { number: text(40), expirationDate: text(10), cvv: text(8) },
    },
    items: {
      type: "array",
      maxItems: 100,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["quantity"],
        anyOf: [{ required: ["name"] }, { required: ["id"] }],
        properties: { name: text(300), id: text(200), quantity: int32 },
      },
    },
    billingAddress: {
      type: "object",
      additionalProperties: false,
      required: ["street", "city", "zip", "country"],
      properties: { street: text(300), city: text(200), state: text(200), zip: text(20), country: text(100) },
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
} as const;

export interface CheckoutBody {
  user: { name: string; contact: string };
  creditCard: { number: string; expirationDate: string; cvv: string };
  items: { name?: string; id?: string; quantity: number }[];
  billingAddress: { street: string; city: string; state?: string; zip: string; country: string };
  shippingMethod: "Standard" | "Express" | "Overnight";
  termsAndConditionsAccepted: boolean;
  giftWrapping?: boolean;
}
