// The storefront's pages by path, as pure data: the router in main.ts mounts what this names.

export type Route =
  | { page: "catalog" }
  | { page: "book"; id: string }
  | { page: "cart" }
  | { page: "checkout" }
  | { page: "order"; id: string }
  | { page: "not-found" };

const ID = "([A-Za-z0-9._:-]{1,128})";
const PATTERNS: [RegExp, (m: RegExpExecArray) => Route][] = [
  [/^\/$/, () => ({ page: "catalog" })],
  [new RegExp(`^/book/${ID}$`), (m) => ({ page: "book", id: m[1] as string })],
  [/^\/cart$/, () => ({ page: "cart" })],
  [/^\/cart\/checkout$/, () => ({ page: "checkout" })],
  [new RegExp(`^/order/${ID}$`), (m) => ({ page: "order", id: m[1] as string })],
];

export function routeOf(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  for (const [pattern, route] of PATTERNS) {
    const m = pattern.exec(path);
    if (m) return route(m);
  }
  return { page: "not-found" };
}
