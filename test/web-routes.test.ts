// The orchestrator's routes for the browser: the pages and their assets (from a build directory),
// the catalog's facets, the dashboard's cluster view over a real db-node (one node up, one down,
// executors down), and the metrics history scraping a real admin port.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadCatalog } from "@bookstore/catalog";
import { DatabaseClient } from "@bookstore/db-client";
import { closeAllClients, createLogger, grpcServerHandled, startAdminServer } from "@bookstore/kit";
import type { FastifyInstance } from "fastify";
import { freePort } from "../scripts/system.js";
import type { RunningDbNode } from "../services/db-node/src/db-node.js";
import { buildApp } from "../services/orchestrator/src/app.js";
import { ExecutorClient } from "../services/orchestrator/src/executor-client.js";
import { MetricsHistory } from "../services/orchestrator/src/metrics-history.js";
import {
  CATALOG_PAGE_SIZE,
  FIRST_CATALOG_PAGE,
} from "../services/orchestrator/src/routes/catalog-first-page.js";
import { startSingleDbNode } from "./support/single-db-node.js";

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const logger = createLogger({ service: "web-routes-test", level: "silent" });
const catalog = loadCatalog();
const appOptions = {
  catalog,
  flow: { run: () => Promise.reject(new Error("not used")) },
  health: async () => ({}),
  fingerprintKey: "test-fingerprint-key-0123",
  logger,
};

describe("web pages and assets", () => {
  const dir = mkdtempSync(join(tmpdir(), "web-dist-"));
  let app: FastifyInstance;
  let unbuilt: FastifyInstance;
  before(async () => {
    mkdirSync(join(dir, "assets"));
    mkdirSync(join(dir, "ops"));
    writeFileSync(
      join(dir, "index.html"),
      '<!doctype html><head><title>store</title><link rel="stylesheet" crossorigin href="/assets/store-abc123.css"></head>',
    );
    writeFileSync(join(dir, "assets", "store-abc123.css"), "body { color: #222; }");
    writeFileSync(join(dir, "ops", "index.html"), "<!doctype html><title>ops</title>");
    writeFileSync(join(dir, "assets", "store-abc123.js"), "console.log(1)");
    app = await buildApp({ ...appOptions, webRoot: dir, maxItemQuantity: 7 });
    unbuilt = await buildApp({ ...appOptions, webRoot: join(dir, "missing") });
  });
  after(async () => {
    await app.close();
    await unbuilt.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("each storefront path answers the storefront's page, never cached, with a strict policy", async () => {
    for (const url of ["/", "/book/the-hobbit", "/cart", "/cart/checkout", "/order/abc-123"]) {
      const r = await app.inject({ url });
      assert.equal(r.statusCode, 200, url);
      assert.match(r.body, /<title>store<\/title>/, url);
      assert.equal(r.headers["cache-control"], "no-cache");
      assert.match(String(r.headers["content-security-policy"]), /default-src 'self'.*script-src 'self'/);
    }
    const ops = await app.inject({ url: "/ops" });
    assert.match(ops.body, /<title>ops<\/title>/);
    assert.match((await app.inject({ url: "/ops/order/abc" })).body, /<title>ops<\/title>/);
  });

  it("each storefront page tells the cart the checkout's limit on a line; the dashboard's does not", async () => {
    for (const url of ["/", "/book/the-hobbit", "/cart", "/cart/checkout", "/order/abc-123"]) {
      const r = await app.inject({ url });
      assert.match(r.body, /<meta name="bookstore:max-item-quantity" content="7" \/>\s*<\/head>/, url);
    }
    assert.doesNotMatch((await app.inject({ url: "/ops" })).body, /max-item-quantity/);
    const defaults = await buildApp({ ...appOptions, webRoot: dir });
    try {
      assert.match((await defaults.inject({ url: "/cart" })).body, /max-item-quantity" content="100"/);
    } finally {
      await defaults.close();
    }
  });

  it("the front page carries its stylesheet inline, allowed by its hash alone; other pages link it", async () => {
    const front = await app.inject({ url: "/" });
    assert.match(front.body, /<style>body \{ color: #222; \}<\/style>/);
    assert.doesNotMatch(front.body, /rel="stylesheet"/);
    const hash = createHash("sha256").update("body { color: #222; }").digest("base64");
    assert.match(
      String(front.headers["content-security-policy"]),
      new RegExp(`style-src 'self' 'sha256-${escapeRegExp(hash)}';`),
    );
    const book = await app.inject({ url: "/book/dune" });
    assert.match(book.body, /rel="stylesheet"/);
    assert.match(String(book.headers["content-security-policy"]), /style-src 'self';/);
  });

  it("the storefront's front page preloads the catalog's first page; other pages preload nothing", async () => {
    const front = await app.inject({ url: "/" });
    assert.equal(front.headers.link, `<${FIRST_CATALOG_PAGE}>; rel=preload; as=fetch; crossorigin`);
    assert.equal(FIRST_CATALOG_PAGE, `/api/books?page=1&limit=${CATALOG_PAGE_SIZE}`);
    for (const url of ["/?genre=fantasy", "/book/dune", "/cart"])
      assert.equal((await app.inject({ url })).headers.link, undefined, url);
  });

  it("hashed assets are cached for good; API routes and the seed's GET /checkout keep their meaning", async () => {
    const asset = await app.inject({ url: "/assets/store-abc123.js" });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers["cache-control"]), /immutable/);
    assert.equal((await app.inject({ url: "/assets/nope.js" })).statusCode, 404);
    assert.equal((await app.inject({ url: "/checkout" })).statusCode, 405);
    assert.equal((await app.inject({ url: "/nowhere" })).json().error.code, "NOT_FOUND");
  });

  it("without a build the pages say how to build them", async () => {
    const r = await unbuilt.inject({ url: "/" });
    assert.equal(r.statusCode, 503);
    assert.match(r.json().error.message, /npm run build:web/);
  });

  it("GET /api/catalog/facets: genres and authors with their counts, most books first", async () => {
    const r = await app.inject({ url: "/api/catalog/facets" });
    assert.equal(r.statusCode, 200);
    const { genres, authors } = r.json() as {
      genres: { name: string; count: number }[];
      authors: { name: string; count: number }[];
    };
    const fantasy = catalog.books.filter((b) => b.genres.includes("fantasy")).length;
    assert.equal(genres.find((g) => g.name === "fantasy")?.count, fantasy);
    assert.equal(
      authors.reduce((n, a) => n + a.count, 0),
      catalog.books.length,
    );
    for (let i = 1; i < genres.length; i++) assert.ok((genres[i - 1]?.count ?? 0) >= (genres[i]?.count ?? 0));
  });
});

describe("dashboard routes", { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "ops-routes-"));
  let db: RunningDbNode;
  let app: FastifyInstance;
  let downDb = "";
  before(async () => {
    db = await startSingleDbNode(dir);
    downDb = `127.0.0.1:${await freePort()}`;
    const executors = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
    app = await buildApp({
      ...appOptions,
      db: new DatabaseClient({ addresses: [`127.0.0.1:${db.port}`, downDb], deadlineMs: 2000 }),
      executor: new ExecutorClient({ addresses: executors, deadlineMs: 500 }),
    });
    const end = Date.now() + 10_000;
    while (!db.state.seeded && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  });
  after(async () => {
    await app.close();
    await db.close();
    closeAllClients();
    rmSync(dir, { recursive: true, force: true });
  });

  it("GET /api/ops/clusters: every node with role, term, indexes and health; no queue without a leader", async () => {
    const body = (await app.inject({ url: "/api/ops/clusters" })).json();
    const [up, down] = body.database.nodes;
    assert.equal(up.id, "db1");
    assert.equal(up.health, "online");
    assert.equal(up.leader, true);
    assert.ok(up.term >= 1 && up.commitIndex >= 1 && up.appliedIndex >= 1, JSON.stringify(up));
    assert.deepEqual(
      { address: down.address, health: down.health, leader: down.leader },
      {
        address: downDb,
        health: "offline",
        leader: false,
      },
    );
    assert.equal(body.executors.nodes.length, 2);
    assert.ok(body.executors.nodes.every((n: { health: string }) => n.health === "offline"));
    assert.equal(body.queue, null);
    assert.doesNotMatch(JSON.stringify(body), /token/i, "no secret in the dashboard's data");
  });

  it("GET /api/ops/transactions answers 503 naming the executor when none answers; limits are checked", async () => {
    const r = await app.inject({ url: "/api/ops/transactions" });
    assert.equal(r.statusCode, 503);
    assert.match(r.json().error.message, /order executor/);
    assert.equal((await app.inject({ url: "/api/ops/transactions?limit=15" })).statusCode, 503);
    assert.equal((await app.inject({ url: "/api/ops/transactions?limit=1000" })).statusCode, 400);
    assert.match(
      (await app.inject({ url: "/api/ops/transactions?limit=0" })).json().error.message,
      /limit must be 1 to 100/,
    );
  });
});

describe("metrics history", () => {
  it("scrapes a service's admin /metrics and keeps calls per second and latency per interval", async () => {
    const admin = await startAdminServer({ host: "127.0.0.1", port: 0, ready: () => true });
    const history = new MetricsHistory([{ name: "payment", address: `127.0.0.1:${admin.port}` }], {
      intervalMs: 1000,
      points: 3,
    });
    try {
      const method = { method: "/bookstore.v1.PaymentService/Prepare", code: "OK" };
      await history.sample(0);
      for (let i = 0; i < 20; i++) grpcServerHandled.observe(method, 0.004);
      grpcServerHandled.observe({ method: "/bookstore.v1.RaftService/Append", code: "OK" }, 0.001);
      await history.sample(2000);
      for (let t = 3000; t <= 6000; t += 1000) await history.sample(t);
      const series = history.snapshot().series.find((s) => s.name === "payment served");
      assert.ok(series, JSON.stringify(history.snapshot()));
      assert.equal(series.points.length, 3, "only the newest points are kept");
      const all = new MetricsHistory([{ name: "payment", address: `127.0.0.1:${admin.port}` }], {
        intervalMs: 1000,
        points: 10,
      });
      await all.sample(0);
      for (let i = 0; i < 20; i++) grpcServerHandled.observe(method, 0.004);
      await all.sample(2000);
      const point = all.snapshot().series.find((s) => s.name === "payment served")?.points[0];
      assert.equal(point?.perSecond, 10, "20 calls in 2 s; Raft's own calls are not counted");
      assert.ok((point?.p99Ms ?? 0) > 2.5 && (point?.p99Ms ?? 0) <= 5, String(point?.p99Ms));
    } finally {
      history.stop();
      await admin.close();
    }
  });

  it("a target that does not answer leaves a gap, not an error", async () => {
    const history = new MetricsHistory([{ name: "gone", address: `127.0.0.1:${await freePort()}` }], {
      intervalMs: 1000,
      points: 10,
    });
    await history.sample(0);
    await history.sample(1000);
    assert.equal(
      history.snapshot().series.find((s) => s.name === "gone served"),
      undefined,
    );
  });
});
