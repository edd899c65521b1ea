// Moving between the storefront's pages without reloading: links with data-link, and navigate().

type Listener = () => void;
const listeners = new Set<Listener>();

export function onNavigate(listener: Listener): void {
  listeners.add(listener);
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  for (const listener of listeners) listener();
}

/** Same-origin links inside the page navigate in place; modified clicks keep the browser's meaning. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = (event.target as Element).closest("a[href]");
    if (!(link instanceof HTMLAnchorElement) || link.origin !== location.origin || link.target) return;
    if (link.pathname.startsWith("/ops") || link.pathname.startsWith("/api")) return;
    // In-page anchors (the skip link) keep the browser's behaviour.
    if (link.hash && link.pathname === location.pathname) return;
    event.preventDefault();
    navigate(link.pathname + link.search);
  });
  window.addEventListener("popstate", () => {
    for (const listener of listeners) listener();
  });
}
