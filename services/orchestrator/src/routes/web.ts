// The storefront and the operations dashboard, built by Vite into web/dist (`npm run build:web`,
// run by `npm ci`), served on the API's own origin: hashed assets under /assets/ (cached for a
// year: a new build has new names), and each page's HTML at its paths (never cached, so a new
// build is picked up). Every page gets a content security policy that allows only this origin.
import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { errorBody } from "../http-errors.js";
import { FIRST_CATALOG_PAGE } from "./catalog-first-page.js";

export const defaultWebRoot = new URL("../../../../web/dist", import.meta.url).pathname;

/** The storefront's paths (web/src/store/routes.ts) and the dashboard's. */
const STORE_PATHS = ["/", "/book/:id", "/cart", "/cart/checkout", "/order/:id"];
const OPS_PATHS = ["/ops", "/ops/order/:id"];

const POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export async function registerWebRoutes(app: FastifyInstance, root: string): Promise<void> {
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
  const page = (file: string) => async (_request: unknown, reply: FastifyReply) => {
    if (!built) {
      return reply
        .code(503)
        .send(errorBody("SERVICE_UNAVAILABLE", "the web pages are not built: run `npm run build:web`"));
    }
    return reply
      .header("cache-control", "no-cache")
      .header("content-security-policy", POLICY)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "same-origin")
      .sendFile(file, root, { cacheControl: false });
  };
  const hide = { schema: { hide: true } };
  const store = page("index.html");
  // The catalog's first page is fetched while the scripts load (the browser then uses this answer
  // for the page's own request): the first books show one round trip sooner on a cold load.
  app.get("/", hide, async (request, reply) => {
    if (request.url === "/")
      reply.header("link", `<${FIRST_CATALOG_PAGE}>; rel=preload; as=fetch; crossorigin`);
    return store(request, reply);
  });
  for (const path of STORE_PATHS.filter((p) => p !== "/")) app.get(path, hide, store);
  for (const path of OPS_PATHS) app.get(path, hide, page("ops/index.html"));
}
