// The cart as an immutable value: book ids with quantities, nothing else (prices always come from
// the server). Kept in localStorage by cart-storage.ts; pure here so it can be tested without a
// browser.

/**
 * The checkout's limit on one line when the page does not say otherwise (the server's
 * MAX_ITEM_QUANTITY reaches the page through item-limit.ts; the API refuses more).
 */
export const DEFAULT_MAX_QUANTITY = 100;

export interface CartLine {
  bookId: string;
  quantity: number;
}

export type Cart = readonly CartLine[];

function clamp(quantity: number, max: number): number {
  if (!Number.isFinite(quantity)) return 1;
  return Math.min(max, Math.max(0, Math.trunc(quantity)));
}

/** Adds `quantity` of a book (a new line at the end, or more on its line), at most `max` a line. */
export function addToCart(cart: Cart, bookId: string, quantity = 1, max = DEFAULT_MAX_QUANTITY): Cart {
  const line = cart.find((l) => l.bookId === bookId);
  if (!line) return [...cart, { bookId, quantity: Math.max(1, clamp(quantity, max)) }];
  return setQuantity(cart, bookId, line.quantity + quantity, max);
}

/** Sets a line's quantity, at most `max`; 0 removes it. */
export function setQuantity(cart: Cart, bookId: string, quantity: number, max = DEFAULT_MAX_QUANTITY): Cart {
  const q = clamp(quantity, max);
  if (q === 0) return cart.filter((l) => l.bookId !== bookId);
  return cart.map((l) => (l.bookId === bookId ? { bookId, quantity: q } : l));
}

export function cartCount(cart: Cart): number {
  return cart.reduce((n, l) => n + l.quantity, 0);
}

/** The total in cents, from prices the server gave; undefined while a price is unknown. */
export function cartTotalCents(cart: Cart, priceCents: ReadonlyMap<string, number>): number | undefined {
  let total = 0;
  for (const line of cart) {
    const price = priceCents.get(line.bookId);
    if (price === undefined) return undefined;
    total += price * line.quantity;
  }
  return total;
}

/**
 * Reads a stored cart, dropping anything that is not a well-formed line (it may be old or edited);
 * a line above `max` (a limit lowered since) is cut to it.
 */
export function parseCart(text: string | null, max = DEFAULT_MAX_QUANTITY): Cart {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return [];
    const seen = new Set<string>();
    const lines: CartLine[] = [];
    for (const item of value) {
      const { bookId, quantity } = (item ?? {}) as Partial<CartLine>;
      if (typeof bookId !== "string" || bookId === "" || seen.has(bookId)) continue;
      if (typeof quantity !== "number" || clamp(quantity, max) < 1) continue;
      seen.add(bookId);
      lines.push({ bookId, quantity: clamp(quantity, max) });
    }
    return lines;
  } catch {
    return [];
  }
}
