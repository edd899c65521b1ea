// The checkout form's fields: the seed's data-cy hooks, the API field each one feeds, and how the
// form is read. Kept apart from the page so the page is only behaviour.
import { html, nothing, type TemplateResult } from "lit";
import { type CheckoutForm, type FieldErrors, SHIPPING_METHODS } from "./checkout-rules.js";

interface TextField {
  /** Element id and data-cy hook (the seed's names). */
  id: string;
  /** The API's field path, as the server names it in errors. */
  api: string;
  label: string;
  autocomplete: string;
  type?: string;
  inputmode?: string;
  maxlength: number;
  optional?: boolean;
}

const field = (f: TextField) => f;
export const CONTACT_FIELDS = [
  field({ id: "customer-name", api: "user.name", label: "Full name", autocomplete: "name", maxlength: 100 }),
  field({
    id: "customer-email",
    api: "user.contact",
    label: "E-mail",
    autocomplete: "email",
    type: "email",
    maxlength: 254,
  }),
];
export const CARD_FIELDS = [
  field({
    id: "card-number",
    api: "creditCard.number",
    label: "Card number",
    autocomplete: "cc-number",
    inputmode: "numeric",
    maxlength: 23,
  }),
  field({
    id: "expiry-date",
    api: "creditCard.expirationDate",
    label: "Expiry (MM/YY)",
    autocomplete: "cc-exp",
    maxlength: 7,
  }),
  field({
    id: "cvv",
    api: "creditCard.cvv",
    label: "CVV",
    autocomplete: "cc-csc",
    inputmode: "numeric",
    maxlength: 4,
  }),
];
export const ADDRESS_FIELDS = [
  field({
    id: "street",
    api: "billingAddress.street",
    label: "Street address",
    autocomplete: "street-address",
    maxlength: 200,
  }),
  field({
    id: "city",
    api: "billingAddress.city",
    label: "City",
    autocomplete: "address-level2",
    maxlength: 100,
  }),
  field({
    id: "state",
    api: "billingAddress.state",
    label: "State or region",
    autocomplete: "address-level1",
    maxlength: 100,
    optional: true,
  }),
  field({
    id: "zip",
    api: "billingAddress.zip",
    label: "Postal code",
    autocomplete: "postal-code",
    maxlength: 12,
  }),
  field({
    id: "country",
    api: "billingAddress.country",
    label: "Country",
    autocomplete: "country-name",
    maxlength: 100,
  }),
];

/** The element id of every API field the form shows, so the server's errors find their place. */
export const ELEMENT_OF: ReadonlyMap<string, string> = new Map([
  ...[...CONTACT_FIELDS, ...CARD_FIELDS, ...ADDRESS_FIELDS].map((f): [string, string] => [f.api, f.id]),
  ["shippingMethod", "shipping-method"],
  ["userComment", "user-comment"],
  ["giftWrapping", "gift-wrapping"],
  ["termsAndConditionsAccepted", "terms-accepted"],
]);

function errorOf(errors: FieldErrors, api: string): TemplateResult | typeof nothing {
  const message = errors[api];
  const id = ELEMENT_OF.get(api);
  return message
    ? html`<p class="field-error" id="${id}-error" data-cy="${id}-error">${message}</p>`
    : nothing;
}

export function textField(f: TextField, errors: FieldErrors) {
  const invalid = Boolean(errors[f.api]);
  return html`<div class="field">
    <label for=${f.id}>${f.label}${f.optional ? html` <span class="hint">(optional)</span>` : ""}</label>
    <input id=${f.id} name=${f.id} data-cy=${f.id} type=${f.type ?? "text"} autocomplete=${f.autocomplete}
      inputmode=${f.inputmode ?? nothing} maxlength=${f.maxlength} ?required=${!f.optional}
      aria-invalid=${invalid ? "true" : "false"} aria-describedby=${invalid ? `${f.id}-error` : nothing} />
    ${errorOf(errors, f.api)}
  </div>`;
}

export function optionsFields(errors: FieldErrors) {
  return html`<div class="field">
      <label for="shipping-method">Shipping</label>
      <select id="shipping-method" name="shipping-method" data-cy="shipping-method">
        ${SHIPPING_METHODS.map((m) => html`<option value=${m}>${m}</option>`)}
      </select>
      ${errorOf(errors, "shippingMethod")}
    </div>
    <div class="field">
      <label for="user-comment">Comment <span class="hint">(optional)</span></label>
      <textarea id="user-comment" name="user-comment" data-cy="user-comment" maxlength="2000" rows="2"></textarea>
    </div>
    <div class="check">
      <input type="checkbox" id="gift-wrapping" name="gift-wrapping" data-cy="gift-wrapping" />
      <label for="gift-wrapping">Gift wrapping</label>
    </div>
    <div class="check">
      <input type="checkbox" id="terms-accepted" name="terms-accepted" data-cy="terms-accepted" required
        aria-invalid=${errors.termsAndConditionsAccepted ? "true" : "false"}
        aria-describedby=${errors.termsAndConditionsAccepted ? "terms-accepted-error" : nothing} />
      <label for="terms-accepted">I accept the terms and conditions</label>
    </div>
    ${errorOf(errors, "termsAndConditionsAccepted")}`;
}

export function readForm(form: HTMLFormElement): CheckoutForm {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? "");
  return {
    name: text("customer-name"),
    contact: text("customer-email"),
    cardNumber: text("card-number"),
    expiry: text("expiry-date"),
    cvv: text("cvv"),
    street: text("street"),
    city: text("city"),
    state: text("state"),
    zip: text("zip"),
    country: text("country"),
    shippingMethod: text("shipping-method"),
    comment: text("user-comment"),
    giftWrapping: data.get("gift-wrapping") === "on",
    terms: data.get("terms-accepted") === "on",
  };
}
