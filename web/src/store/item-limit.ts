// The checkout's limit on one line's quantity as this server is configured (MAX_ITEM_QUANTITY): the
// orchestrator writes it into every storefront page (routes/web.ts), so the cart never offers a
// quantity the API would refuse, nor caps one it would take.
import { DEFAULT_MAX_QUANTITY } from "./cart.js";

/** The name of the page's meta element that carries the limit. */
export const ITEM_LIMIT_META = "bookstore:max-item-quantity";

/** The page's limit; the default when the page carries none (or nothing sensible). */
export function maxQuantity(): number {
  const content = document.querySelector<HTMLMetaElement>(`meta[name="${ITEM_LIMIT_META}"]`)?.content;
  const n = Number(content);
  return content && Number.isSafeInteger(n) && n >= 1 ? n : DEFAULT_MAX_QUANTITY;
}
