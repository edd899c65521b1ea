// The storefront's first request, shared by the page (web/src/store/catalog-page.ts) and the route
// that serves it (web.ts preloads it): values only, no imports, so the page's bundle can take it.
export const CATALOG_PAGE_SIZE = 12;

/** What the catalog page asks for when it opens on `/`: page 1 of the whole catalog. */
export const FIRST_CATALOG_PAGE = `/api/books?${new URLSearchParams({ page: "1", limit: String(CATALOG_PAGE_SIZE) })}`;
