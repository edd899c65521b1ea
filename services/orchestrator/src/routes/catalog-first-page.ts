// The storefront's catalog request, built by one function for the page (web/src/store/catalog-page.ts)
// and for the route that serves it (web.ts preloads the first page, which the browser only reuses
// for a byte-identical URL): values only, no imports, so the page's bundle can take it.
export const CATALOG_PAGE_SIZE = 12;

/** One page of the catalog, optionally narrowed to a genre and an author. */
export function catalogPageUrl(page: number, filter: { genre?: string; author?: string } = {}): string {
  return `/api/books?${new URLSearchParams({ page: String(page), limit: String(CATALOG_PAGE_SIZE), ...filter })}`;
}

/** What the catalog page asks for when it opens on `/`: page 1 of the whole catalog. */
export const FIRST_CATALOG_PAGE = catalogPageUrl(1);
