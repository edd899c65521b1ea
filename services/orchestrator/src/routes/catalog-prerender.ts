// The storefront's front page with its first books already in the HTML: the catalog page's own view
// (web/src/store/catalog-view.ts) rendered on the server with Lit's server renderer, and its data
// embedded for the page's scripts to start from. The books then show as soon as the HTML and the
// styles are in, instead of after the scripts have loaded, run and asked for them (the cold load's
// longest part). The markup is inert until the scripts replace it: nothing in it pretends to work.
import { callUnary } from "@bookstore/kit";
import type { SuggestionsServiceClient } from "@bookstore/proto";
import { render } from "@lit-labs/ssr";
import { collectResult } from "@lit-labs/ssr/lib/render-result.js";
import {
  catalogView,
  type Filters,
  filtersFrom,
  PRERENDERED_DATA_ID,
  type PrerenderedCatalog,
} from "../../../../web/src/store/catalog-view.js";
import { catalogPageJson } from "./books.js";
import { CATALOG_PAGE_SIZE } from "./catalog-first-page.js";

/** Where the page's (empty) main element is in the built index.html. */
export const MAIN_ELEMENT = '<main id="main" tabindex="-1"></main>';

/** JSON that is safe inside a script element: no `</script>` or `<!--` can end or change it. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/** Event bindings are not rendered on the server: the view's actions are never called there. */
const noActions = { set: () => {}, add: () => {} };

/** The catalog view for these books, wrapped for the page to remove, and the data it was drawn from. */
export async function catalogMarkup(catalog: PrerenderedCatalog): Promise<string> {
  const view = catalogView(
    { filters: catalog.filters, listing: catalog.listing, problem: "", status: "" },
    noActions,
  );
  const markup = await collectResult(render(view));
  return (
    `<div data-prerendered inert>${markup}</div>` +
    `<script type="application/json" id="${PRERENDERED_DATA_ID}">${jsonForScript(catalog)}</script>`
  );
}

/** The books the catalog page would ask for first, in the shape it keeps (no descriptions). */
async function firstBooks(
  suggestions: SuggestionsServiceClient,
  filters: Filters,
  deadlineMs: number,
): Promise<PrerenderedCatalog> {
  const request = {
    page: filters.page,
    limit: CATALOG_PAGE_SIZE,
    genre: filters.genre,
    author: filters.author,
  };
  const result = await callUnary(suggestions, suggestions.listBooks, request, {
    deadlineMs,
    idempotent: true,
  });
  const { books, pagination } = catalogPageJson(result, filters.page, CATALOG_PAGE_SIZE);
  return {
    filters,
    listing: {
      books: books.map(({ id, title, author, priceCents, genre }) => ({
        id,
        title,
        author,
        priceCents,
        genre,
      })),
      pagination,
      searched: false,
    },
  };
}

/**
 * The front page's HTML with the catalog's first books in it, for an address without a search (a
 * search's results are the page's to fetch as typed). Throws when the catalog cannot be read in
 * time: the caller then serves the page as built, and the page fetches its books itself.
 */
export async function prerenderFrontPage(
  html: string,
  query: string,
  suggestions: SuggestionsServiceClient,
  deadlineMs: number,
): Promise<string | undefined> {
  const filters = filtersFrom(new URLSearchParams(query));
  if (filters.q !== "" || !html.includes(MAIN_ELEMENT)) return undefined;
  const markup = await catalogMarkup(await firstBooks(suggestions, filters, deadlineMs));
  return html.replace(MAIN_ELEMENT, () => MAIN_ELEMENT.replace("></main>", `>${markup}</main>`));
}
