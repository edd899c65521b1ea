// The storefront and the operations dashboard, built by Vite into web/dist (`npm run build:web`,
// run by `npm ci`), served on the API's own origin: hashed assets under /assets/ (cached for a
// year: a new build has new names), and each page's HTML at its paths (never cached, so a new
// build is picked up). Every page gets a content security policy that allows only this origin.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { SuggestionsServiceClient } from "@bookstore/proto";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ITEM_LIMIT_META } from "../../../../web/src/store/item-limit.js";
import { errorBody } from "../http-errors.js";
import { FIRST_CATALOG_PAGE } from "./catalog-first-page.js";
import { prerenderFrontPage } from "./catalog-prerender.js";
import { inlineStylesheets } from "./inline-styles.js";

export const defaultWebRoot = new URL("../../../../web/dist", import.meta.url).pathname;

/** The storefront's paths (web/src/store/routes.ts) and the dashboard's. */
const STORE_PATHS = ["/", "/book/:id", "/cart", "/cart/checkout", "/order/:id"];
const OPS_PATHS = ["/ops", "/ops/order/:id"];

/** The pages' content security policy; `styleHashes` allow the front page's inlined stylesheet. */
function policy(styleHashes: string[] = []): string {
  return [
    "default-src 'self'",
    "img-src 'self' data:",
    ["style-src 'self'", ...styleHashes].join(" "),
    "script-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * How long the front page may wait for the catalog's first books (catalog-prerender.ts); past it,
 * the page is sent without them and fetches them itself: a slow catalog must not hold the page.
 */
const PRERENDER_DEADLINE_MS = 500;

export interface WebRoutesOptions {
  root: string;
  /** The catalog behind the front page's first books; absent, the page fetches them itself. */
  suggestions: SuggestionsServiceClient | undefined;
  /** The checkout's limit on one line (MAX_ITEM_QUANTITY), told to the storefront's pages. */
  maxItemQuantity: number;
}

/** The storefront's page with the checkout's quantity limit in it (web/src/store/item-limit.ts). */
function withItemLimit(html: string, maxItemQuantity: number): string {
  return html.replace(
    "</head>",
    `<meta name="${ITEM_LIMIT_META}" content="${maxItemQuantity}" />\n  </head>`,
  );
}

export async function registerWebRoutes(app: FastifyInstance, options: WebRoutesOptions): Promise<void> {
  const { root, suggestions, maxItemQuantity } = options;
  const built = existsSync(join(root, "index.html"));
  if (built) {
    await app.register(fastifyStatic, {
      root: join(root, "assets"),
      prefix: "/assets/",
      immutable: true,
      maxAge: "365d",
      index: false,
      // The HTML pages are sent by the routes below, from the build's root.
      decorateReply: true,
    });
  }
  const unbuilt = (reply: FastifyReply) =>
    reply
      .code(503)
      .send(errorBody("SERVICE_UNAVAILABLE", "the web pages are not built: run `npm run build:web`"));
  const pageHeaders = (reply: FastifyReply, styleHashes?: string[]) =>
    reply
      .header("cache-control", "no-cache")
      .header("content-security-policy", policy(styleHashes))
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "same-origin");
  const page = (file: string) => async (_request: unknown, reply: FastifyReply) => {
    if (!built) return unbuilt(reply);
    return pageHeaders(reply).sendFile(file, root, { cacheControl: false });
  };
  // Read per request, as the front page is: a new build is picked up at once.
  const storeShell = async () =>
    withItemLimit(await readFile(join(root, "index.html"), "utf8"), maxItemQuantity);
  const hide = { schema: { hide: true } };
  app.get("/", hide, async (request, reply) => {
    if (!built) return unbuilt(reply);
    const shell = await storeShell();
    const withBooks = await frontPageWithBooks(request, shell);
    // Without them, the catalog's first page is fetched while the scripts load (the browser then
    // uses this answer for the page's own request).
    if (withBooks === undefined && request.url === "/")
      reply.header("link", `<${FIRST_CATALOG_PAGE}>; rel=preload; as=fetch; crossorigin`);
    const { html, styleHashes } = await inlineStylesheets(withBooks ?? shell, join(root, "assets"));
    return pageHeaders(reply, styleHashes).type("text/html; charset=utf-8").send(html);
  });
  async function frontPageWithBooks(request: FastifyRequest, html: string): Promise<string | undefined> {
    if (!suggestions) return undefined;
    const query = request.url.split("?")[1] ?? "";
    try {
      return await prerenderFrontPage(html, query, suggestions, PRERENDER_DEADLINE_MS);
    } catch (error) {
      request.log.warn({ err: error }, "front page sent without its books: the page will fetch them");
      return undefined;
    }
  }
  const store = async (_request: unknown, reply: FastifyReply) => {
    if (!built) return unbuilt(reply);
    return pageHeaders(reply)
      .type("text/html; charset=utf-8")
      .send(await storeShell());
  };
  for (const path of STORE_PATHS.filter((p) => p !== "/")) app.get(path, hide, store);
  for (const path of OPS_PATHS) app.get(path, hide, page("ops/index.html"));
}
