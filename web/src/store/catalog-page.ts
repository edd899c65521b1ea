// The catalog: browse page by page with genre and author filters, or search by meaning as you type
// (debounced; an outdated search is aborted). The filters and the query live in the address, so a
// reload or a shared link shows the same books.
import { render } from "lit";
import {
  CATALOG_PAGE_SIZE,
  catalogPageUrl,
} from "../../../services/orchestrator/src/routes/catalog-first-page.js";
import { api, isAbort, problemText } from "../shared/api.js";
import type { BookSummary } from "./book-card.js";
import { addBook } from "./cart-storage.js";
import {
  type CatalogState,
  catalogView,
  type Facets,
  type Filters,
  filtersFrom,
  type Listing,
  PRERENDERED_DATA_ID,
  type PrerenderedCatalog,
  sameFilters,
} from "./catalog-view.js";
import { LatestRequest } from "./latest-request.js";

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

/**
 * Takes the first page the server rendered into the HTML (the orchestrator's catalog-prerender.ts):
 * removes its markup, which this page now draws itself, and returns its books when they are the ones
 * these filters ask for. Synchronous with the first draw, so nothing flickers.
 */
function takePrerendered(main: HTMLElement, filters: Filters): Listing | undefined {
  const data = document.getElementById(PRERENDERED_DATA_ID);
  for (const shell of main.querySelectorAll("[data-prerendered]")) shell.remove();
  data?.remove();
  if (!data?.textContent) return undefined;
  const shown = JSON.parse(data.textContent) as PrerenderedCatalog;
  return sameFilters(shown.filters, filters) ? shown.listing : undefined;
}

export function mountCatalog(main: HTMLElement): () => void {
  const state: CatalogState = {
    filters: filtersFrom(new URLSearchParams(location.search)),
    problem: "",
    status: "",
  };
  const latest = new LatestRequest();
  const actions = { set, add };
  const draw = () => render(catalogView(state, actions), main);

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
  function add(book: BookSummary): void {
    addBook(book.id);
    state.status = `${book.title} was added to the cart`;
    draw();
  }

  state.listing = takePrerendered(main, state.filters);
  draw();
  if (!state.listing) load(0);
  api<Facets>("/api/catalog/facets").then(
    (facets) => {
      state.facets = facets;
      draw();
    },
    () => {}, // The filters still work by typing; the lists are a convenience.
  );
  return () => latest.cancel();
}
