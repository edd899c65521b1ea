// The cart in localStorage, shared by every tab: a change in one tab reaches the others through the
// storage event.
import { addToCart, type Cart, parseCart } from "./cart.js";
import { maxQuantity } from "./item-limit.js";

const KEY = "bookstore.cart.v1";
type Listener = (cart: Cart) => void;
const listeners = new Set<Listener>();
/** The cart when storage is unavailable. */
let memory: Cart = [];

export function loadCart(): Cart {
  try {
    return parseCart(localStorage.getItem(KEY), maxQuantity());
  } catch {
    // Storage can be disabled (private mode, policy): the cart then lives for this page only.
    return memory;
  }
}

export function saveCart(cart: Cart): void {
  memory = cart;
  try {
    localStorage.setItem(KEY, JSON.stringify(cart));
  } catch {
    // See loadCart: keep it in memory.
  }
  for (const listener of listeners) listener(cart);
}

export function addBook(id: string, quantity = 1): void {
  saveCart(addToCart(loadCart(), id, quantity, maxQuantity()));
}

/** Calls `listener` with the cart at every change; returns the function that stops it. */
export function onCartChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

window.addEventListener("storage", (event) => {
  if (event.key !== KEY) return;
  const cart = loadCart();
  for (const listener of listeners) listener(cart);
});
