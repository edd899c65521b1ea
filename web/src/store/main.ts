// The storefront: a header with the cart, and one page at a time chosen by the path.
import "../shared/styles.css";
import { html, render } from "lit";
import { mountBook } from "./book-page.js";
import { cartCount } from "./cart.js";
import { mountCart } from "./cart-page.js";
import { loadCart, onCartChange } from "./cart-storage.js";
import { mountCatalog } from "./catalog-page.js";
import { mountCheckout } from "./checkout-page.js";
import { interceptLinks, onNavigate } from "./navigation.js";
import { mountOrder } from "./order-page.js";
import { routeOf } from "./routes.js";

type Unmount = () => void;
type Mount = (main: HTMLElement) => Unmount | undefined;

const header = document.querySelector<HTMLElement>("#site-header");
const main = document.querySelector<HTMLElement>("#main");
if (!header || !main) throw new Error("the page lacks #site-header or #main");

function renderHeader(): void {
  const count = cartCount(loadCart());
  render(
    html`<a class="brand" href="/">Bookstore</a>
      <nav aria-label="Shop">
        <a href="/">Books</a>
        <a href="/cart" data-cy="cart-link">Cart <span class="badge" aria-label="${count} items">${count}</span></a>
      </nav>`,
    header as HTMLElement,
  );
}

function pageFor(path: string): Mount {
  const route = routeOf(path);
  switch (route.page) {
    case "catalog":
      return mountCatalog;
    case "book":
      return (m) => mountBook(m, route.id);
    case "cart":
      return mountCart;
    case "checkout":
      return mountCheckout;
    case "order":
      return (m) => mountOrder(m, route.id);
    case "not-found":
      return (m) => {
        render(html`<h1 tabindex="-1">Page not found</h1><p><a href="/">Back to the books</a></p>`, m);
        return undefined;
      };
  }
}

let current: Unmount | undefined;

function show(navigated = true): void {
  const mount = pageFor(location.pathname);
  current?.();
  render(html``, main as HTMLElement);
  current = mount(main as HTMLElement);
  // After a navigation in place, tell assistive technology the page changed: focus its heading.
  // A fresh load keeps the browser's own start (the skip link comes first).
  if (navigated) main?.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

interceptLinks(document.body);
onNavigate(() => show());
onCartChange(renderHeader);
renderHeader();
show(false);
