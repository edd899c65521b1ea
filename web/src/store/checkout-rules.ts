// The checkout form's own checks, run before anything is sent: the same rules the server applies
// (Luhn, brand and CVV length, expiry, e-mail or phone, required fields), imported from the
// transaction-verification service's rule modules so the two cannot drift. Keys are the API's field
// paths, so the server's answers land on the same fields.
import { cvvLength, detectBrand } from "@bookstore/transaction-verification/rules/card-brand";
import { isExpired, parseExpiry } from "@bookstore/transaction-verification/rules/expiry";
import { luhnValid } from "@bookstore/transaction-verification/rules/luhn";
import { isValidEmail, isValidPhone } from "@bookstore/transaction-verification/rules/user";

export interface CheckoutForm {
  name: string;
  contact: string;
  cardNumber: string;
  expiry: string;
  cvv: string;
  street: string;
  city: string;
  state: string;
  zip: string;
  country: string;
  shippingMethod: string;
  comment: string;
  giftWrapping: boolean;
  terms: boolean;
}

export type FieldErrors = Record<string, string>;

export const SHIPPING_METHODS = ["Standard", "Express", "Overnight"] as const;

function cardNumberProblem(raw: string): string | undefined {
  const digits = raw.replace(/[ -]/g, "");
  if (digits === "") return "Enter the card number.";
  if (!/^\d+$/.test(digits)) return "A card number has only digits (spaces and dashes are fine).";
  if (digits.length < 12 || digits.length > 19) return "A card number has 12 to 19 digits.";
  if (!luhnValid(digits) || /^(\d)\1*$/.test(digits))
    return "This card number is not valid: check the digits.";
  if (!detectBrand(digits))
    return "We accept Visa, Mastercard, American Express, Discover, JCB, Diners and UnionPay.";
  return undefined;
}

function expiryProblem(raw: string, now: Date): string | undefined {
  const parsed = parseExpiry(raw);
  if (!parsed.ok) {
    if (parsed.rule === "required") return "Enter the expiry date.";
    if (parsed.rule === "month") return "The month must be between 01 and 12.";
    return "Use MM/YY, e.g. 08/29.";
  }
  return isExpired(parsed.expiry, now) ? "This card has expired." : undefined;
}

function cvvProblem(cvv: string, cardNumber: string): string | undefined {
  const value = cvv.trim();
  if (value === "") return "Enter the security code (CVV).";
  const brand = detectBrand(cardNumber.replace(/[ -]/g, ""));
  const expected = brand ? cvvLength(brand) : undefined;
  if (!/^\d+$/.test(value)) return "The security code has only digits.";
  if (expected !== undefined && value.length !== expected) return `The security code has ${expected} digits.`;
  if (value.length < 3 || value.length > 4) return "The security code has 3 or 4 digits.";
  return undefined;
}

const required = (value: string, message: string) => (value.trim() === "" ? message : undefined);

/** Every problem of the form, by API field path; empty when it may be sent. */
export function checkCheckoutForm(form: CheckoutForm, now: Date): FieldErrors {
  const contact = form.contact.trim();
  const checks: [string, string | undefined][] = [
    ["user.name", required(form.name, "Enter your name.")],
    [
      "user.contact",
      required(contact, "Enter your e-mail address.") ??
        (isValidEmail(contact) || isValidPhone(contact) ? undefined : "Enter a valid e-mail address."),
    ],
    ["creditCard.number", cardNumberProblem(form.cardNumber)],
    ["creditCard.expirationDate", expiryProblem(form.expiry, now)],
    ["creditCard.cvv", cvvProblem(form.cvv, form.cardNumber)],
    ["billingAddress.street", required(form.street, "Enter the street address.")],
    ["billingAddress.city", required(form.city, "Enter the city.")],
    ["billingAddress.zip", required(form.zip, "Enter the postal code.")],
    ["billingAddress.country", required(form.country, "Enter the country.")],
    [
      "shippingMethod",
      (SHIPPING_METHODS as readonly string[]).includes(form.shippingMethod)
        ? undefined
        : "Choose a shipping method.",
    ],
    ["termsAndConditionsAccepted", form.terms ? undefined : "Accept the terms and conditions to order."],
  ];
  const errors: FieldErrors = {};
  for (const [field, problem] of checks) if (problem) errors[field] = problem;
  return errors;
}

/** The API's checkout body for the form and the cart (prices are the server's, never sent). */
export function checkoutBody(form: CheckoutForm, lines: readonly { bookId: string; quantity: number }[]) {
  return {
    user: { name: form.name.trim(), contact: form.contact.trim() },
    creditCard: { number: form.cardNumber.trim(), expirationDate: form.expiry.trim(), cvv: form.cvv.trim() },
    items: lines.map((l) => ({ id: l.bookId, quantity: l.quantity })),
    billingAddress: {
      street: form.street.trim(),
      city: form.city.trim(),
      state: form.state.trim(),
      zip: form.zip.trim(),
      country: form.country.trim(),
    },
    shippingMethod: form.shippingMethod,
    termsAndConditionsAccepted: form.terms,
    giftWrapping: form.giftWrapping,
    ...(form.comment.trim() ? { userComment: form.comment.trim() } : {}),
  };
}
