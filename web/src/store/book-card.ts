// One book in a list: title (a link to its page), author, price when known, and "Add to cart".
// The title carries `elementtiming`, so the web benchmark can read when the first books were painted.
import { html } from "lit";
import { formatCents } from "../shared/money.js";

export interface BookSummary {
  id: string;
  title: string;
  author: string;
  priceCents?: number;
  genre?: string;
}

/** How many cover colours styles.css defines (.cover.c0 ... .c11). */
const COVER_COLOURS = 12;

/**
 * A cover drawn from the title (the catalog has no images): a colour per book and its first
 * letter. A class, not a style attribute: the pages' content security policy allows no inline style.
 */
export function cover(book: { id: string; title: string }) {
  let hash = 0;
  for (const c of book.id) hash = (hash * 31 + c.charCodeAt(0)) % 9973;
  return html`<div class="cover c${hash % COVER_COLOURS}" aria-hidden="true">${book.title.slice(0, 1)}</div>`;
}

/** `onAdd` puts the book in the cart: this module only draws, so the server can render it too. */
export function bookCard(book: BookSummary, onAdd: (book: BookSummary) => void) {
  return html`<li class="book-card" data-cy="book-card" data-book-id=${book.id}>
    ${cover(book)}
    <div class="book-text">
      <a class="book-title" href="/book/${book.id}" elementtiming="book-title">${book.title}</a>
      <span class="author">${book.author}</span>
      ${book.priceCents === undefined ? "" : html`<span class="price">${formatCents(book.priceCents)}</span>`}
    </div>
    <button
      type="button"
      class="secondary"
      data-cy="add-to-cart"
      aria-label="Add to cart: ${book.title}"
      @click=${() => onAdd(book)}
    >
      Add to cart
    </button>
  </li>`;
}
