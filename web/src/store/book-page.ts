// One book: description, price, live stock (read again every few seconds from the stock database),
// a quantity to add to the cart, and similar books.
import { html, render } from "lit";
import { api, problemText } from "../shared/api.js";
import { formatCents } from "../shared/money.js";
import { type BookSummary, bookCard, cover } from "./book-card.js";
import { addBook } from "./cart-storage.js";
import { maxQuantity } from "./item-limit.js";

const STOCK_REFRESH_MS = 4000;

interface Book {
  id: string;
  title: string;
  author: string;
  year: number;
  genres: string[];
  description: string;
  priceCents: number;
}

interface State {
  book?: Book;
  stock?: { stock: number; available: boolean };
  similar: BookSummary[];
  problem: string;
  status: string;
}

export function mountBook(main: HTMLElement, id: string): () => void {
  const state: State = { similar: [], problem: "", status: "" };
  const controller = new AbortController();
  const { signal } = controller;
  const draw = () => render(view(state, added), main);
  const added = (title: string) => {
    state.status = `${title} was added to the cart`;
    draw();
  };
  const refreshStock = () =>
    api<{ stock: number; available: boolean }>(`/api/database/stock/${encodeURIComponent(id)}`, {
      signal,
    }).then(
      (stock) => {
        state.stock = stock;
        draw();
      },
      () => {}, // Keep the last known stock; the next refresh tries again.
    );

  draw();
  api<Book>(`/api/books/${encodeURIComponent(id)}`, { signal }).then(
    (book) => {
      state.book = book;
      document.title = `${book.title} · Bookstore`;
      // The "Loading…" heading is replaced: keep the focus on the heading if it was there.
      const focused = document.activeElement === main.querySelector("h1");
      draw();
      if (focused) main.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
    },
    (error) => {
      if (signal.aborted) return;
      state.problem = problemText(error);
      draw();
    },
  );
  void refreshStock();
  const timer = setInterval(refreshStock, STOCK_REFRESH_MS);
  api<{ books: { bookId: string; title: string; author: string }[] }>(
    `/api/books/${encodeURIComponent(id)}/similar?limit=4`,
    { signal },
  ).then(
    (r) => {
      state.similar = r.books.map((b) => ({ id: b.bookId, title: b.title, author: b.author }));
      draw();
    },
    () => {},
  );
  return () => {
    clearInterval(timer);
    controller.abort();
    document.title = "Bookstore";
  };
}

function stockText(stock: State["stock"]): string {
  if (!stock) return "Checking stock…";
  if (!stock.available) return "Out of stock";
  return stock.stock <= 5 ? `Only ${stock.stock} left` : `In stock (${stock.stock})`;
}

function view(s: State, added: (title: string) => void) {
  if (s.problem)
    return html`<h1 tabindex="-1">Book not available</h1><p class="alert error" role="alert">${s.problem}</p>`;
  const book = s.book;
  if (!book) return html`<h1 tabindex="-1" aria-busy="true">Loading…</h1>`;
  return html`<article class="book-page">
      ${cover(book)}
      <div>
        <h1 tabindex="-1">${book.title}</h1>
        <p class="author">by ${book.author}, ${book.year}</p>
        <p class="genres">${book.genres.join(" · ")}</p>
        <p class="price big" data-cy="book-price">${formatCents(book.priceCents)}</p>
        <p class="stock ${s.stock?.available === false ? "out" : ""}" data-cy="stock" aria-live="polite">
          ${stockText(s.stock)}
        </p>
        <form class="add-form" @submit=${(e: SubmitEvent) => {
          e.preventDefault();
          // Read from the form, not from a variable of this render: the stock refresh re-renders
          // the page between typing and clicking.
          const form = e.currentTarget as HTMLFormElement;
          addBook(book.id, Number(new FormData(form).get("quantity")) || 1);
          added(book.title);
        }}>
          <label for="quantity">Quantity</label>
          <input id="quantity" name="quantity" type="number" min="1" max=${maxQuantity()} value="1" inputmode="numeric" />
          <button type="submit" data-cy="add-to-cart" ?disabled=${s.stock?.available === false}>Add to cart</button>
        </form>
        <p class="visually-hidden" role="status">${s.status}</p>
        <p class="description">${book.description}</p>
      </div>
    </article>
    ${
      s.similar.length > 0
        ? html`<section aria-labelledby="similar-heading">
          <h2 id="similar-heading">Similar books</h2>
          <ul class="book-grid" data-cy="similar-books">${s.similar.map((b) =>
            bookCard(b, (x) => {
              addBook(x.id);
              added(x.title);
            }),
          )}</ul>
        </section>`
        : ""
    }`;
}
