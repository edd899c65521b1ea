// Checkout: the cart's summary and the form. The form's own checks run first and put a message at
// each field; only a form without problems is sent. Sending disables the button and shows progress;
// the request carries an Idempotency-Key that stays the same while the body does, so a double click
// or a retry after a lost answer places one order. The server's field errors land at their fields.
import { html, render } from "lit";
import { ApiError, api, type FieldProblem, problemText } from "../shared/api.js";
import { BookPrices, cartSummary } from "./cart-page.js";
import { loadCart, saveCart } from "./cart-storage.js";
import {
  ADDRESS_FIELDS,
  CARD_FIELDS,
  CONTACT_FIELDS,
  ELEMENT_OF,
  optionsFields,
  readForm,
  textField,
} from "./checkout-form.js";
import { checkCheckoutForm, checkoutBody, type FieldErrors } from "./checkout-rules.js";
import { navigate } from "./navigation.js";

interface Placed {
  orderId: string;
  status: string;
  suggestedBooks: { bookId: string; title: string; author: string }[];
}

interface State {
  errors: FieldErrors;
  /** Problems with no field of their own (a book, the order as a whole, the service). */
  general: string[];
  sending: boolean;
}

/** One key per distinct body: the same body again (double click, retry) is the same order. */
class IdempotencyKeys {
  private body = "";
  private key = "";
  for(body: unknown): string {
    const text = JSON.stringify(body);
    if (text !== this.body) {
      this.body = text;
      this.key = crypto.randomUUID();
    }
    return this.key;
  }
}

export function splitProblems(details: FieldProblem[]): { errors: FieldErrors; general: string[] } {
  const errors: FieldErrors = {};
  const general: string[] = [];
  for (const d of details) {
    if (ELEMENT_OF.has(d.field)) errors[d.field] ??= d.message;
    else general.push(d.message);
  }
  return { errors, general };
}

export function mountCheckout(main: HTMLElement): () => void {
  const state: State = { errors: {}, general: [], sending: false };
  const books = new BookPrices();
  const keys = new IdempotencyKeys();
  const controller = new AbortController();
  const draw = () => render(view(state, books, submit), main);

  async function submit(form: HTMLFormElement): Promise<void> {
    if (state.sending) return;
    const values = readForm(form);
    state.errors = checkCheckoutForm(values, new Date());
    state.general = [];
    if (Object.keys(state.errors).length > 0) return showProblems();
    const body = checkoutBody(values, loadCart());
    state.sending = true;
    draw();
    try {
      const placed = await api<Placed>("/api/checkout", {
        method: "POST",
        body,
        headers: { "idempotency-key": keys.for(body) },
      });
      sessionStorage.setItem(`bookstore.order.${placed.orderId}`, JSON.stringify(placed.suggestedBooks));
      saveCart([]);
      navigate(`/order/${placed.orderId}`);
    } catch (error) {
      state.sending = false;
      if (error instanceof ApiError && error.details.length > 0) {
        Object.assign(state, splitProblems(error.details));
        if (state.general.length === 0 && Object.keys(state.errors).length === 0)
          state.general = [error.message];
      } else state.general = [problemText(error)];
      showProblems();
    }
  }

  function showProblems(): void {
    draw();
    const first = [...ELEMENT_OF].find(([api]) => state.errors[api]);
    const target = first
      ? document.getElementById(first[1])
      : main.querySelector<HTMLElement>("[data-cy=alert-error]");
    target?.focus();
  }

  draw();
  books.load(loadCart(), controller.signal).then(draw, () => {});
  return () => controller.abort();
}

function view(s: State, books: BookPrices, submit: (form: HTMLFormElement) => Promise<void>) {
  const cart = loadCart();
  if (cart.length === 0 && !s.sending) {
    return html`<h1 tabindex="-1">Checkout</h1><p data-cy="empty-cart">Your cart is empty. <a href="/">Find a book</a>.</p>`;
  }
  return html`<h1 tabindex="-1">Checkout</h1>
    <section aria-labelledby="summary-heading"><h2 id="summary-heading">Your order</h2>${cartSummary(cart, books, false)}</section>
    ${
      s.general.length > 0
        ? html`<div class="alert error" role="alert" data-cy="alert-error" tabindex="-1">
          ${s.general.length === 1 ? s.general[0] : html`<ul>${s.general.map((g) => html`<li>${g}</li>`)}</ul>`}
        </div>`
        : ""
    }
    <form class="checkout" novalidate data-cy="checkout-form" @submit=${(e: Event) => {
      e.preventDefault();
      void submit(e.target as HTMLFormElement);
    }}>
      <fieldset><legend>Contact</legend>${CONTACT_FIELDS.map((f) => textField(f, s.errors))}</fieldset>
      <fieldset><legend>Payment</legend><div class="row">${CARD_FIELDS.map((f) => textField(f, s.errors))}</div></fieldset>
      <fieldset><legend>Billing address</legend>${ADDRESS_FIELDS.map((f) => textField(f, s.errors))}</fieldset>
      <fieldset><legend>Delivery</legend>${optionsFields(s.errors)}</fieldset>
      <button type="submit" data-cy="submit-button" ?disabled=${s.sending} aria-describedby="progress">
        ${s.sending ? "Placing your order…" : "Place order"}
      </button>
      <p id="progress" role="status" class=${s.sending ? "progress" : "visually-hidden"}>
        ${s.sending ? "Checking your card and reserving your books…" : ""}
      </p>
    </form>`;
}
