// The catalog page's markup as a pure function of its state: the browser renders it (catalog-page.ts)
// and the orchestrator renders the first page into the HTML it serves (catalog-prerender.ts), so the
// books show before the scripts have loaded. No DOM access here: this module runs on the server too.
import { html } from "lit";
import { type BookSummary, bookCard } from "./book-card.js";

export interface Filters {
  q: string;
  genre: string;
  author: string;
  page: number;
}

export interface Pagination {
  total: number;
  page: number;
  pages: number;
}

export interface Listing {
  books: BookSummary[];
  pagination?: Pagination;
  searched: boolean;
}

export interface Facets {
  genres: { name: string; count: number }[];
  authors: { name: string; count: number }[];
}

export interface CatalogState {
  filters: Filters;
  listing?: Listing;
  facets?: Facets;
  problem: string;
  /** Read out by screen readers: result counts, "added to the cart". */
  status: string;
}

export interface CatalogActions {
  set(change: Partial<Filters>, typed?: boolean): void;
  /** Puts a book in the cart. */
  add(book: BookSummary): void;
}

/** The catalog's first page as the server embeds it, for the page to start from without a request. */
export interface PrerenderedCatalog {
  filters: Filters;
  listing: Listing;
}

/** The id of the element holding a PrerenderedCatalog as JSON. */
export const PRERENDERED_DATA_ID = "catalog-data";

/** The largest page number the catalog's API takes (nine digits). */
const MAX_PAGE = 999_999_999;

/** The filters a page address asks for (`/?q=&genre=&author=&page=`); a page out of range is 1. */
export function filtersFrom(params: URLSearchParams): Filters {
  const page = Number(params.get("page") ?? "1");
  return {
    q: params.get("q") ?? "",
    genre: params.get("genre") ?? "",
    author: params.get("author") ?? "",
    page: Number.isInteger(page) && page > 0 && page <= MAX_PAGE ? page : 1,
  };
}

export function sameFilters(a: Filters, b: Filters): boolean {
  return a.q === b.q && a.genre === b.genre && a.author === b.author && a.page === b.page;
}

/** The value of the form control an event came from. */
const controlValue = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;

export function catalogView(s: CatalogState, act: CatalogActions) {
  const f = s.filters;
  return html`<h1 tabindex="-1">Books</h1>
    <form class="filters" role="search" @submit=${(e: Event) => e.preventDefault()}>
      <div class="field grow">
        <label for="search">Search by meaning</label>
        <input id="search" type="search" data-cy="search" autocomplete="off" maxlength="200"
          placeholder="e.g. a boy wizard at a school of magic" .value=${f.q}
          @input=${(e: Event) => act.set({ q: controlValue(e) }, true)} />
      </div>
      <div class="field">
        <label for="genre">Genre</label>
        <select id="genre" data-cy="genre" @change=${(e: Event) => act.set({ genre: controlValue(e) })}>
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
          @change=${(e: Event) => act.set({ author: controlValue(e).trim() })} />
        <datalist id="authors">${(s.facets?.authors ?? []).map((a) => html`<option value=${a.name}></option>`)}</datalist>
      </div>
    </form>
    <p class="visually-hidden" role="status">${s.status}</p>
    ${s.problem ? html`<p class="alert error" role="alert">${s.problem}</p>` : ""}
    ${s.listing ? results(s.listing, act.add) : html`<p aria-busy="true">Loading books…</p>`}
    ${s.listing?.pagination ? pager(s.listing.pagination, (page) => act.set({ page })) : ""}`;
}

function results(listing: Listing, add: (book: BookSummary) => void) {
  if (listing.books.length === 0)
    return html`<p data-cy="no-results">No books match. Try other words or filters.</p>`;
  return html`<ul class="book-grid" data-cy="book-list" aria-label=${listing.searched ? "Search results" : "Books"}>
    ${listing.books.map((b) => bookCard(b, add))}
  </ul>`;
}

function pager(p: Pagination, go: (page: number) => void) {
  if (p.pages <= 1) return "";
  return html`<nav class="pager" aria-label="Pages">
    <button type="button" class="secondary" ?disabled=${p.page <= 1} @click=${() => go(p.page - 1)}>Previous</button>
    <span>Page ${p.page} of ${p.pages}</span>
    <button type="button" class="secondary" data-cy="next-page" ?disabled=${p.page >= p.pages} @click=${() => go(p.page + 1)}>Next</button>
  </nav>`;
}
