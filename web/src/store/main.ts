// The storefront: a header with the cart, and one page at a time chosen by the path.
import "../shared/styles.css";
import { html, render } from "lit";
import { problemText } from "../shared/api.js";
import { cartCount } from "./cart.js";
import { loadCart, onCartChange } from "./cart-storage.js";
import { mountCatalog } from "./catalog-page.js";
import { interceptLinks, onNavigate } from "./navigation.js";
import { routeOf } from "./routes.js";

type Unmount = () => void;
type Mount = (main: HTMLElement) => Unmount | undefined;

// The header is in the HTML (index.html), so it shows before the scripts run; they add the cart's
// count, which only the browser knows.
function required(selector: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(selector);
  if (!element) throw new Error(`the page lacks ${selector}`);
  return element;
}
const badge = required("#site-header .badge");
const main = required("#main");

function showCartCount(): void {
  const count = cartCount(loadCart());
  badge.textContent = String(count);
  badge.setAttribute("aria-label", `${count} items`);
  badge.hidden = false;
}

/**
 * The page for a path. Only the catalog comes with the first scripts; the other pages are loaded
 * when first shown, so the front page has less to run before it can be painted and used.
 */
async function pageFor(path: string): Promise<Mount> {
  const route = routeOf(path);
  switch (route.page) {
    case "catalog":
      return mountCatalog;
    case "book": {
      const { mountBook } = await import("./book-page.js");
      return (m) => mountBook(m, route.id);
    }
    case "cart":
      return (await import("./cart-page.js")).mountCart;
    case "checkout":
      return (await import("./checkout-page.js")).mountCheckout;
    case "order": {
      const { mountOrder } = await import("./order-page.js");
      return (m) => mountOrder(m, route.id);
    }
    case "not-found":
      return (m) => {
        render(html`<h1 tabindex="-1">Page not found</h1><p><a href="/">Back to the books</a></p>`, m);
        return undefined;
      };
  }
}

let current: Unmount | undefined;
/** Counts navigations, so a page that finishes loading after a newer navigation is not shown. */
let navigations = 0;

async function show(navigated = true): Promise<void> {
  const navigation = ++navigations;
  let mount: Mount;
  try {
    mount = await pageFor(location.pathname);
  } catch (error) {
    mount = (m) => {
      render(
        html`<p class="alert error" role="alert">This page could not be loaded: ${problemText(error)}</p>`,
        m,
      );
      return undefined;
    };
  }
  if (navigation !== navigations) return;
  current?.();
  render(html``, main);
  current = mount(main);
  // After a navigation in place, tell assistive technology the page changed (focus its heading)
  // and start at the top. A fresh load keeps the browser's own start (the skip link comes first).
  if (!navigated) return;
  main.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

function start(): void {
  interceptLinks(document.body);
  onNavigate(() => void show());
  onCartChange(showCartCount);
  showCartCount();
  void show(false);
}

/**
 * Runs `start` once the page has been painted (its paint timing entry), or after a second at most:
 * a tab opened in the background paints nothing until it is shown.
 */
function afterFirstPaint(run: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    run();
  };
  new PerformanceObserver((_, observer) => {
    observer.disconnect();
    once();
  }).observe({ type: "paint", buffered: true });
  setTimeout(once, 1000);
}

// A page that came with its content (the front page's first books, rendered by the server) is
// shown as it came before the scripts take it over, so their work does not delay that paint.
if (main.querySelector("[data-prerendered]")) afterFirstPaint(start);
else start();
