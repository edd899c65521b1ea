// The catalog: browse page by page with genre and author filters, or search by meaning as you type
// (debounced; an outdated search is aborted). The filters and the query live in the address, so a
// reload or a shared link shows the same books.
import { html, render } from "lit";
import {
  CATALOG_PAGE_SIZE,
  catalogPageUrl,
} from "../../../services/orchestrator/src/routes/catalog-first-page.js";
import { api, isAbort, problemText } from "../shared/api.js";
import { type BookSummary, bookCard } from "./book-card.js";
import { LatestRequest } from "./latest-request.js";

interface Filters {
  q: string;
  genre: string;
  author: string;
  page: number;
}

interface Listing {
  books: BookSummary[];
  pagination?: { total: number; page: number; pages: number };
  searched: boolean;
}

interface Facets {
  genres: { name: string; count: number }[];
  authors: { name: string; count: number }[];
}

function filtersFromUrl(): Filters {
  const p = new URLSearchParams(location.search);
  const page = Number(p.get("page") ?? "1");
  return {
    q: p.get("q") ?? "",
    genre: p.get("genre") ?? "",
    author: p.get("author") ?? "",
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

function urlOf(f: Filters): string {
  const p = new URLSearchParams();
  if (f.q) p.set("q", f.q);
  if (f.genre) p.set("genre", f.genre);
  if (f.author) p.set("author", f.author);
  if (f.page > 1 && !f.q) p.set("page", String(f.page));
  const query = p.toString();
  return query ? `/?${query}` : "/";
}

async function fetchListing(f: Filters, signal: AbortSignal): Promise<Listing> {
  const filter = { ...(f.genre ? { genre: f.genre } : {}), ...(f.author ? { author: f.author } : {}) };
  if (f.q.trim()) {
    const query = new URLSearchParams({ q: f.q.trim(), limit: String(CATALOG_PAGE_SIZE), ...filter });
    const r = await api<{ books: { bookId: string; title: string; author: string }[] }>(
      `/api/books/search?${query}`,
      { signal },
    );
    return {
      books: r.books.map((b) => ({ id: b.bookId, title: b.title, author: b.author })),
      searched: true,
    };
  }
  const r = await api<{ books: BookSummary[]; pagination: Listing["pagination"] }>(
    catalogPageUrl(f.page, filter),
    { signal },
  );
  return { books: r.books, ...(r.pagination ? { pagination: r.pagination } : {}), searched: false };
}

/** How long typing must pause before a search is sent. */
const SEARCH_DEBOUNCE_MS = 180;

interface State {
  filters: Filters;
  listing?: Listing;
  facets?: Facets;
  problem: string;
  /** Read out by screen readers: result counts, "added to the cart". */
  status: string;
}

export function mountCatalog(main: HTMLElement): () => void {
  const state: State = { filters: filtersFromUrl(), problem: "", status: "" };
  const latest = new LatestRequest();
  const draw = () => render(view(state, set, added), main);

  function load(delayMs: number): void {
    history.replaceState(null, "", urlOf(state.filters));
    const asked = state.filters;
    latest.run(
      delayMs,
      (signal) => fetchListing(asked, signal),
      (listing) => {
        state.listing = listing;
        state.problem = "";
        state.status = listing.searched ? `${listing.books.length} books match “${asked.q.trim()}”` : "";
        draw();
      },
      (error) => {
        if (isAbort(error)) return;
        state.problem = problemText(error);
        draw();
      },
    );
  }
  function set(change: Partial<Filters>, typed = false): void {
    state.filters = { ...state.filters, page: 1, ...change };
    load(typed ? SEARCH_DEBOUNCE_MS : 0);
  }
  function added(book: BookSummary): void {
    state.status = `${book.title} was added to the cart`;
    draw();
  }

  draw();
  load(0);
  api<Facets>("/api/catalog/facets").then(
    (facets) => {
      state.facets = facets;
      draw();
    },
    () => {}, // The filters still work by typing; the lists are a convenience.
  );
  return () => latest.cancel();
}

function view(
  s: State,
  set: (change: Partial<Filters>, typed?: boolean) => void,
  added: (b: BookSummary) => void,
) {
  const f = s.filters;
  return html`<h1 tabindex="-1">Books</h1>
    <form class="filters" role="search" @submit=${(e: Event) => e.preventDefault()}>
      <div class="field grow">
        <label for="search">Search by meaning</label>
        <input id="search" type="search" data-cy="search" autocomplete="off" maxlength="200"
          placeholder="e.g. a boy wizard at a school of magic" .value=${f.q}
          @input=${(e: Event) => set({ q: (e.target as HTMLInputElement).value }, true)} />
      </div>
      <div class="field">
        <label for="genre">Genre</label>
        <select id="genre" data-cy="genre" @change=${(e: Event) => set({ genre: (e.target as HTMLSelectElement).value })}>
          <option value="" ?selected=${f.genre === ""}>All genres</option>
          ${(s.facets?.genres ?? []).map(
            (g) =>
              html`<option value=${g.name} ?selected=${g.name === f.genre}>${g.name} (${g.count})</option>`,
          )}
        </select>
      </div>
      <div class="field">
        <label for="author">Author</label>
        <input id="author" data-cy="author" list="authors" autocomplete="off" maxlength="200" .value=${f.author}
          @change=${(e: Event) => set({ author: (e.target as HTMLInputElement).value.trim() })} />
        <datalist id="authors">${(s.facets?.authors ?? []).map((a) => html`<option value=${a.name}></option>`)}</datalist>
      </div>
    </form>
    <p class="visually-hidden" role="status">${s.status}</p>
    ${s.problem ? html`<p class="alert error" role="alert">${s.problem}</p>` : ""}
    ${s.listing ? results(s.listing, added) : html`<p aria-busy="true">Loading books…</p>`}
    ${s.listing?.pagination ? pager(s.listing.pagination, (page) => set({ page })) : ""}`;
}
function results(listing: Listing, added: (book: BookSummary) => void) {
  if (listing.books.length === 0)
    return html`<p data-cy="no-results">No books match. Try other words or filters.</p>`;
  return html`<ul class="book-grid" data-cy="book-list" aria-label=${listing.searched ? "Search results" : "Books"}>
    ${listing.books.map((b) => bookCard(b, added))}
  </ul>`;
}

function pager(p: NonNullable<Listing["pagination"]>, go: (page: number) => void) {
  if (p.pages <= 1) return "";
  return html`<nav class="pager" aria-label="Pages">
    <button type="button" class="secondary" ?disabled=${p.page <= 1} @click=${() => go(p.page - 1)}>Previous</button>
    <span>Page ${p.page} of ${p.pages}</span>
    <button type="button" class="secondary" data-cy="next-page" ?disabled=${p.page >= p.pages} @click=${() => go(p.page + 1)}>Next</button>
  </nav>`;
}
