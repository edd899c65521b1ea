// The cart: each line with the server's price, a quantity to change, removal, and the total.
import { html, render } from "lit";
import { api } from "../shared/api.js";
import { formatCents } from "../shared/money.js";
import { type Cart, cartTotalCents, setQuantity } from "./cart.js";
import { loadCart, onCartChange, saveCart } from "./cart-storage.js";
import { maxQuantity } from "./item-limit.js";

export interface PricedBook {
  id: string;
  title: string;
  author: string;
  priceCents: number;
}

/** The books of the cart as the server has them (title, price), fetched once each. */
export class BookPrices {
  private readonly books = new Map<string, PricedBook>();
  private readonly missing = new Set<string>();

  /** Fetches the books not known yet; true when there were any. */
  async load(cart: Cart, signal: AbortSignal): Promise<boolean> {
    const wanted = cart.filter((l) => !this.books.has(l.bookId) && !this.missing.has(l.bookId));
    await Promise.all(
      wanted.map((l) =>
        api<PricedBook>(`/api/books/${encodeURIComponent(l.bookId)}`, { signal }).then(
          (b) => this.books.set(b.id, b),
          (error: unknown) => {
            if (!signal.aborted) this.missing.add(l.bookId);
            if (signal.aborted) throw error;
          },
        ),
      ),
    );
    return wanted.length > 0;
  }

  get(id: string): PricedBook | undefined {
    return this.books.get(id);
  }

  isMissing(id: string): boolean {
    return this.missing.has(id);
  }

  prices(): Map<string, number> {
    return new Map([...this.books].map(([id, b]) => [id, b.priceCents]));
  }
}

export function cartSummary(cart: Cart, books: BookPrices, editable: boolean) {
  const total = cartTotalCents(cart, books.prices());
  return html`<table class="cart-table" data-cy="cart">
    <caption class="visually-hidden">Books in the cart</caption>
    <thead><tr><th scope="col">Book</th><th scope="col">Price</th><th scope="col">Quantity</th><th scope="col">Subtotal</th></tr></thead>
    <tbody>
      ${cart.map((line) => {
        const book = books.get(line.bookId);
        const title = book?.title ?? (books.isMissing(line.bookId) ? `${line.bookId} (no longer sold)` : "…");
        return html`<tr data-cy="cart-line" data-book-id=${line.bookId}>
          <th scope="row"><a href="/book/${line.bookId}">${title}</a></th>
          <td>${book ? formatCents(book.priceCents) : ""}</td>
          <td>${editable ? quantityInput(line.bookId, line.quantity, title) : line.quantity}</td>
          <td>${book ? formatCents(book.priceCents * line.quantity) : ""}</td>
        </tr>`;
      })}
    </tbody>
    <tfoot><tr><th scope="row" colspan="3">Total</th><td data-cy="cart-total">${total === undefined ? "…" : formatCents(total)}</td></tr></tfoot>
  </table>`;
}

function quantityInput(bookId: string, quantity: number, title: string) {
  return html`<span class="quantity">
    <input type="number" min="0" max=${maxQuantity()} .value=${String(quantity)} inputmode="numeric"
      aria-label="Quantity of ${title}" data-cy="cart-quantity"
      @change=${(e: Event) => saveCart(setQuantity(loadCart(), bookId, Number((e.target as HTMLInputElement).value), maxQuantity()))} />
    <button type="button" class="link" data-cy="remove" aria-label="Remove ${title}"
      @click=${() => saveCart(setQuantity(loadCart(), bookId, 0))}>Remove</button>
  </span>`;
}

export function mountCart(main: HTMLElement): () => void {
  const books = new BookPrices();
  const controller = new AbortController();
  const draw = () => {
    const cart = loadCart();
    render(
      html`<h1 tabindex="-1">Cart</h1>
        ${
          cart.length === 0
            ? html`<p data-cy="empty-cart">Your cart is empty. <a href="/">Find a book</a>.</p>`
            : html`${cartSummary(cart, books, true)}
              <p class="actions"><a class="button" href="/cart/checkout" data-cy="checkout-link">Checkout</a></p>`
        }`,
      main,
    );
    books.load(cart, controller.signal).then(
      (fetched) => {
        if (fetched) draw();
      },
      () => {},
    );
  };
  const stop = onCartChange(draw);
  draw();
  return () => {
    stop();
    controller.abort();
  };
}
