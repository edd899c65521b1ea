// The storefront (index.html) and the operations dashboard (ops/index.html) as two pages, so the
// storefront's bundle carries none of the dashboard's code. Built into web/dist by `npm ci`
// (the root package's prepare script) and served by the orchestrator on the API's origin.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));
/** `npm run dev:web` proxies the API to an orchestrator started by `npm start`. */
const api = process.env.BOOKSTORE_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  root,
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: { input: { store: `${root}index.html`, ops: `${root}ops/index.html` } },
  },
  server: {
    proxy: { "/api": api, "/v2": api },
    fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] },
  },
});
