// An order after checkout: its status pushed live by the server (server-sent events) from PENDING
// to COMPLETED or FAILED, the payment's confirmation code, the reason in words when it failed, and
// books recommended for this customer.
import { html, render } from "lit";
import { api, problemText } from "../shared/api.js";
import { formatCents } from "../shared/money.js";
import { type BookSummary, bookCard } from "./book-card.js";
import { addBook } from "./cart-storage.js";
import { failureText, isFinished, type OrderStatus, STEPS } from "./order-status.js";

interface OrderView {
  orderId: string;
  status: OrderStatus;
  reason?: string;
  reasonCode?: string;
  customerId: string;
  totalCents: number;
  lines: { bookId: string; title: string; quantity: number }[];
  payment?: { confirmationCode: string; processedAt: string };
  card?: { brand: string; last4: string };
}

interface State {
  order?: OrderView;
  problem: string;
  recommended: BookSummary[];
}

function suggestedAtCheckout(id: string): BookSummary[] {
  try {
    const stored = JSON.parse(sessionStorage.getItem(`bookstore.order.${id}`) ?? "[]") as {
      bookId: string;
      title: string;
      author: string;
    }[];
    return stored.map((b) => ({ id: b.bookId, title: b.title, author: b.author }));
  } catch {
    return [];
  }
}

export function mountOrder(main: HTMLElement, id: string): () => void {
  const state: State = { problem: "", recommended: suggestedAtCheckout(id) };
  const controller = new AbortController();
  const draw = () => render(view(state), main);
  let recommendedFor = "";
  const recommend = (customerId: string) => {
    if (!customerId || recommendedFor) return;
    recommendedFor = customerId;
    const q = new URLSearchParams({ customerId, limit: "4" });
    api<{ books: { bookId: string; title: string; author: string }[] }>(`/api/recommendations?${q}`, {
      signal: controller.signal,
    }).then(
      (r) => {
        if (r.books.length === 0) return;
        state.recommended = r.books.map((b) => ({ id: b.bookId, title: b.title, author: b.author }));
        draw();
      },
      () => {}, // The suggestions from checkout stay.
    );
  };
  const events = new EventSource(`/api/orders/${encodeURIComponent(id)}/events`);
  events.addEventListener("order", (event) => {
    const order = JSON.parse((event as MessageEvent<string>).data) as OrderView;
    state.order = order;
    state.problem = "";
    // Closed by us once finished: the server ends the stream too, and a browser would reconnect.
    if (isFinished(order.status)) events.close();
    if (order.status === "COMPLETED") recommend(order.customerId);
    draw();
  });
  events.addEventListener("error", (event) => {
    const data = (event as MessageEvent<string>).data;
    if (data) state.problem = (JSON.parse(data) as { message: string }).message;
    else if (!state.order) {
      // No stream at all (an unknown order answers 404): ask once to say why.
      events.close();
      api(`/api/orders/${encodeURIComponent(id)}`, { signal: controller.signal }).catch((e: unknown) => {
        state.problem = problemText(e);
        draw();
      });
    }
    draw();
  });
  draw();
  return () => {
    events.close();
    controller.abort();
  };
}

function view(s: State) {
  const o = s.order;
  return html`<h1 tabindex="-1">Your order</h1>
    ${s.problem ? html`<p class="alert error" role="alert" data-cy="alert-error">${s.problem}</p>` : ""}
    ${o ? orderDetails(o) : s.problem ? "" : html`<p aria-busy="true">Loading the order…</p>`}
    ${
      s.recommended.length > 0
        ? html`<section aria-labelledby="recommended-heading">
          <h2 id="recommended-heading">Recommended for you</h2>
          <ul class="book-grid" data-cy="suggested-books">${s.recommended.map((b) => bookCard(b, (x) => addBook(x.id)))}</ul>
        </section>`
        : ""
    }`;
}

function orderDetails(o: OrderView) {
  const reached = STEPS.findIndex((step) => step.status === o.status);
  return html`<p>Order <code data-cy="order-id">${o.orderId}</code>, ${formatCents(o.totalCents)}</p>
    <div role="status" aria-live="polite" data-cy="order-status" data-status=${o.status}>
      ${
        o.status === "COMPLETED"
          ? html`<p class="alert success" data-cy="alert-success">
            Thank you! Your order is paid${o.card?.brand ? ` (${o.card.brand} ending ${o.card.last4})` : ""}.
            Confirmation code: <strong data-cy="confirmation-code">${o.payment?.confirmationCode ?? ""}</strong>
          </p>`
          : o.status === "FAILED"
            ? html`<p class="alert error" data-cy="alert-error">${failureText(o.reasonCode, o.reason)}</p>`
            : html`<p class="progress">${STEPS[reached]?.label ?? o.status}…</p>`
      }
    </div>
    <ol class="steps" aria-label="Progress">
      ${STEPS.map((step, i) => {
        const done = o.status !== "FAILED" && i <= reached;
        return html`<li class=${done ? "done" : ""} aria-current=${i === reached ? "step" : "false"}>${step.label}</li>`;
      })}
    </ol>
    <ul class="order-lines">${o.lines.map((l) => html`<li>${l.quantity} × <a href="/book/${l.bookId}">${l.title}</a></li>`)}</ul>`;
}
