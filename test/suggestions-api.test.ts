// The suggestions service over gRPC and through the orchestrator's REST routes: a checkout with
// suggestions running returns suggested books (event f), search / similar / recommendations /
// browse, bad input answered with clear 4xx in the seed's error shape, and the storefront's front
// page served with the catalog's first books rendered in it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  callUnary,
  checkHealth,
  clientFor,
  closeAllClients,
  createLogger,
  GrpcStatus,
  type RunningGrpcServer,
  startGrpcServer,
} from "@bookstore/kit";
import {
  FraudDetectionServiceClient,
  SuggestionsServiceClient,
  TransactionVerificationServiceClient,
} from "@bookstore/proto";
import type { FastifyInstance } from "fastify";
import { defaultFraudConfig, VelocityTracker } from "../services/fraud-detection/src/scoring/index.js";
import { createFraudStore, fraudDetectionService } from "../services/fraud-detection/src/service.js";
import { buildApp } from "../services/orchestrator/src/app.js";
import { CheckoutFlow } from "../services/orchestrator/src/checkout-flow.js";
import { FIRST_CATALOG_PAGE } from "../services/orchestrator/src/routes/catalog-first-page.js";
import { jsonForScript, MAIN_ELEMENT } from "../services/orchestrator/src/routes/catalog-prerender.js";
import { type Engine, startEngine } from "../services/suggestions/src/engine.js";
import { createSuggestionsStore, suggestionsService } from "../services/suggestions/src/service.js";
import {
  createVerificationStore,
  transactionVerificationService,
} from "../services/transaction-verification/src/service.js";
import type { PrerenderedCatalog } from "../web/src/store/catalog-view.js";
import { catalog, getJson, post, validBody } from "./support/checkout-stack.js";

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const logger = createLogger({ service: "test", level: "silent" });

describe("suggestions service: gRPC and REST", () => {
  let engine: Engine;
  let servers: RunningGrpcServer[];
  let app: FastifyInstance;
  let baseUrl: string;
  let client: SuggestionsServiceClient;
  const sgStore = createSuggestionsStore(60_000);

  before(async () => {
    engine = await startEngine({ books: catalog.books, dataDir: "memory://", embedder: "offline", logger });
    const start = (services: Parameters<typeof startGrpcServer>[0]["services"]) =>
      startGrpcServer({ host: "127.0.0.1", port: 0, services, logger, drainTimeoutMs: 200 });
    servers = await Promise.all([
      start([
        transactionVerificationService({ store: createVerificationStore(60_000), maxItemQuantity: 100 }),
      ]),
      start([
        fraudDetectionService({
          store: createFraudStore(60_000),
          velocity: new VelocityTracker(),
          config: defaultFraudConfig,
        }),
      ]),
      start([
        suggestionsService({
          store: sgStore,
          search: engine.search,
          queue: engine.queue,
          embedder: engine.embedder,
          suggestionsPerOrder: 3,
        }),
      ]),
    ]);
    const [tvAddr, fdAddr, sgAddr] = servers.map((s) => `127.0.0.1:${s.port}`) as [string, string, string];
    client = clientFor(SuggestionsServiceClient, sgAddr);
    const flow = new CheckoutFlow(
      {
        verification: clientFor(TransactionVerificationServiceClient, tvAddr),
        fraud: clientFor(FraudDetectionServiceClient, fdAddr),
        suggestions: client,
      },
      { callDeadlineMs: 2000, cleanupAttempts: 5 },
      logger,
    );
    app = await buildApp({
      catalog,
      flow,
      fingerprintKey: "test-fingerprint-key-0123456789",
      logger,
      suggestions: client,
      health: async () => ({ suggestions: await checkHealth(sgAddr) }),
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    baseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  after(async () => {
    await app?.close();
    await Promise.all((servers ?? []).map((s) => s.close()));
    closeAllClients();
    await engine?.close();
  });

  it("a checkout returns three suggested books, none of them ordered, and clears the order", async () => {
    const { status, body } = await post(
      baseUrl,
      "/api/checkout",
      validBody({
        items: [
          { name: "The Hobbit", quantity: 1 },
          { id: "dune", quantity: 1 },
        ],
      }),
    );
    assert.equal(status, 201, JSON.stringify(body));
    assert.equal(body.suggestions, "available");
    assert.equal(body.suggestedBooks.length, 3);
    for (const b of body.suggestedBooks) {
      assert.ok(b.bookId && b.title && b.author);
      assert.ok(!["the-hobbit", "dune"].includes(b.bookId));
    }
    const order = (await getJson(`${baseUrl}/api/orders/${body.orderId}`)).body;
    assert.ok(
      order.events.some(
        (e: { event: string; status: string }) => e.event === "f:suggestions" && e.status === "ok",
      ),
    );
    const deadline = Date.now() + 2000;
    while (sgStore.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(sgStore.size, 0, "ClearOrder removed the order's data");
  });

  it("GET /api/books/search: hybrid results with scores and the embedder's name", async () => {
    const { status, body } = await getJson(
      `${baseUrl}/api/books/search?q=${encodeURIComponent("a boy wizard at a school of magic")}&limit=5`,
    );
    assert.equal(status, 200);
    assert.match(body.embedder, /^offline:/);
    assert.equal(body.books.length, 5);
    assert.equal(body.books[0].bookId, "harry-potter-and-the-philosophers-stone");
    assert.ok(body.books[0].score >= body.books[1].score);
    const filtered = await getJson(`${baseUrl}/api/books/search?q=space&genre=horror&maxPrice=20`);
    assert.equal(filtered.status, 200);
    for (const b of filtered.body.books) assert.ok(catalog.get(b.bookId)?.genres.includes("horror"));
  });

  it("bad input is a clear 400 naming the field; unknown ids are 404", async () => {
    const empty = await getJson(`${baseUrl}/api/books/search?q=%20%20`);
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.code, "INVALID_REQUEST");
    assert.equal(empty.body.error.details[0].field, "q");
    const long = await getJson(`${baseUrl}/api/books/search?q=${"a".repeat(2000)}`);
    assert.equal(long.status, 400);
    assert.match(long.body.error.message, /at most 1000 characters/);
    const limit = await getJson(`${baseUrl}/api/books/search?q=dune&limit=500`);
    assert.equal(limit.status, 400);
    assert.equal(limit.body.error.details[0].field, "limit");
    const notInt = await getJson(`${baseUrl}/api/books/search?q=dune&limit=ten`);
    assert.equal(notInt.status, 400);
    const injection = await getJson(
      `${baseUrl}/api/books/search?q=${encodeURIComponent("'; DROP TABLE books; --")}`,
    );
    assert.equal(injection.status, 200, "queries are bound parameters");
    assert.equal((await getJson(`${baseUrl}/api/books/no-such-book`)).status, 404);
    const similar = await getJson(`${baseUrl}/api/books/no-such-book/similar`);
    assert.equal(similar.status, 404);
    assert.equal(similar.body.error.code, "NOT_FOUND");
    const cart = await getJson(`${baseUrl}/api/recommendations?cart=dune,nope`);
    assert.equal(cart.status, 400);
    assert.equal(cart.body.error.details[0].field, "cart[1]");
  });

  it("search says why each result matched: words by field, spelling, similar meaning", async () => {
    const { status, body } = await getJson(`${baseUrl}/api/books/search?q=hobbit+dragon&limit=3`);
    assert.equal(status, 200);
    const [first] = body.books;
    assert.equal(first.bookId, "the-hobbit");
    assert.deepEqual(
      first.match.words.find((f: { field: string }) => f.field === "title"),
      { field: "title", words: ["Hobbit"] },
    );
    assert.ok(first.match.ranks.lexical >= 1);
    assert.ok(first.score > 0 && first.score <= 1);
    const typo = await getJson(`${baseUrl}/api/books/search?q=harry+poter&limit=3`);
    for (const b of typo.body.books) {
      assert.match(b.bookId, /^harry-potter/);
      assert.deepEqual(b.match.spelling.find((f: { field: string }) => f.field === "title")?.words.sort(), [
        "Harry",
        "Potter",
      ]);
    }
    const meaning = await getJson(`${baseUrl}/api/books/search?q=a+boy+wizard+at+a+school+of+magic&limit=5`);
    assert.ok(meaning.body.books.some((b: { match: { similarMeaning: boolean } }) => b.match.similarMeaning));
  });

  it('search: "phrases" are required, -words excluded, filters hold for every ranking', async () => {
    const text = (id: string) => {
      const b = catalog.get(id);
      return `${b?.title} ${b?.author} ${b?.genres.join(" ")} ${b?.description}`.toLowerCase();
    };
    const phrase = await getJson(
      `${baseUrl}/api/books/search?q=${encodeURIComponent('"chamber of secrets" harry')}`,
    );
    assert.equal(phrase.status, 200);
    assert.ok(phrase.body.books.length >= 1);
    for (const b of phrase.body.books) assert.match(text(b.bookId), /chamber of secrets/);
    const minus = await getJson(
      `${baseUrl}/api/books/search?q=${encodeURIComponent("wizard school -potter")}`,
    );
    assert.ok(minus.body.books.length >= 3);
    for (const b of minus.body.books) assert.doesNotMatch(text(b.bookId), /potter/);
    const cheapHorror = await getJson(
      `${baseUrl}/api/books/search?q=king&genre=horror&maxPrice=9.99&limit=20`,
    );
    for (const b of cheapHorror.body.books) {
      const book = catalog.get(b.bookId);
      assert.ok(book?.genres.includes("horror") && book.priceCents <= 999, b.bookId);
    }
  });

  it("search never answers 5xx: odd input is a 400 naming q, or an empty or ordinary result", async () => {
    const odd = [
      "!!! ??? ...",
      "'; DROP TABLE books; --",
      '"boy wizard',
      'boy "wizard" "',
      "-potter",
      "the of and",
      "a & b | !c <-> d:* (e",
      "\\ %_ $1 ::text",
      "or or or",
      "ünïcødé 漢字 🙂",
      "x".repeat(1000),
      `harry${"y".repeat(300)} potter`,
      "ß".repeat(999),
    ];
    for (const q of odd) {
      const { status, body } = await getJson(`${baseUrl}/api/books/search?q=${encodeURIComponent(q)}`);
      assert.equal(status, 200, `${q}: ${JSON.stringify(body)}`);
      assert.ok(Array.isArray(body.books));
    }
    assert.deepEqual(
      (await getJson(`${baseUrl}/api/books/search?q=${encodeURIComponent("!!! ...")}`)).body.books,
      [],
    );
    const huge = await getJson(`${baseUrl}/api/books/search?q=${"word ".repeat(2000)}`);
    assert.equal(huge.status, 400);
    assert.equal(huge.body.error.details[0].field, "q");
  });

  it("GET /api/books/suggest: titles and authors as you type, typos corrected", async () => {
    const hob = await getJson(`${baseUrl}/api/books/suggest?q=the+hob`);
    assert.equal(hob.status, 200);
    assert.deepEqual(hob.body.suggestions[0], {
      kind: "title",
      text: "The Hobbit",
      bookId: "the-hobbit",
      match: "prefix",
      books: 1,
    });
    const word = await getJson(`${baseUrl}/api/books/suggest?q=azkab`);
    assert.equal(word.body.suggestions[0].bookId, "harry-potter-and-the-prisoner-of-azkaban");
    assert.equal(word.body.suggestions[0].match, "word");
    const author = await getJson(`${baseUrl}/api/books/suggest?q=tolkein&limit=3`);
    assert.deepEqual(author.body.suggestions[0], {
      kind: "author",
      text: "J. R. R. Tolkien",
      bookId: "",
      match: "spelling",
      books: 3,
    });
    const many = await getJson(`${baseUrl}/api/books/suggest?q=harry+pot&limit=2`);
    assert.equal(many.body.suggestions.length, 2);
    assert.deepEqual((await getJson(`${baseUrl}/api/books/suggest?q=`)).body, { query: "", suggestions: [] });
    for (const q of [
      "%",
      "_",
      "'",
      '"',
      "\\",
      "zzzzzz",
      "!!!",
      "ünïcødé",
      "ß".repeat(200),
      "harry ".repeat(33),
    ]) {
      const { status, body } = await getJson(`${baseUrl}/api/books/suggest?q=${encodeURIComponent(q)}`);
      assert.equal(status, 200, `${q}: ${JSON.stringify(body)}`);
    }
    const long = await getJson(`${baseUrl}/api/books/suggest?q=${"a".repeat(201)}`);
    assert.equal(long.status, 400);
    assert.equal(long.body.error.details[0].field, "q");
    const limit = await getJson(`${baseUrl}/api/books/suggest?q=dune&limit=21`);
    assert.equal(limit.status, 400);
    assert.equal(limit.body.error.details[0].field, "limit");
  });

  it("GET /books keeps the seed's shape, and its genre filter works", async () => {
    const { status, body } = await getJson(`${baseUrl}/books?page=2&limit=5&genre=fantasy`);
    assert.equal(status, 200);
    const total = catalog.books.filter((b) => b.genres.includes("fantasy")).length;
    assert.deepEqual(body.pagination, { total, page: 2, limit: 5, pages: Math.ceil(total / 5) });
    assert.equal(body.books.length, 5);
    for (const b of body.books) {
      assert.ok(b.id && b.title && b.author && typeof b.genre === "string");
      assert.ok(b.genres.includes("fantasy"));
    }
    const austen = await getJson(`${baseUrl}/api/books?author=austen`);
    assert.equal(
      austen.body.pagination.total,
      catalog.books.filter((b) => b.author === "Jane Austen").length,
    );
    const book = await getJson(`${baseUrl}/api/books/dune`);
    assert.equal(book.body.title, "Dune");
    assert.equal((await getJson(`${baseUrl}/books?page=0`)).status, 400);
  });

  it("similar books exclude the book itself", async () => {
    const { status, body } = await getJson(`${baseUrl}/api/books/the-hobbit/similar?limit=4`);
    assert.equal(status, 200);
    assert.equal(body.books.length, 4);
    assert.ok(body.books.every((b: { bookId: string }) => b.bookId !== "the-hobbit"));
  });

  it("recommendations: popular, then cart, then history+cart after RecordPurchase over gRPC", async () => {
    const customerId = "c-0123456789";
    const popular = await getJson(`${baseUrl}/api/recommendations?customerId=${customerId}`);
    assert.equal(popular.body.basis, "popular");
    const cart = await getJson(`${baseUrl}/api/recommendations?customerId=${customerId}&cart=emma&limit=5`);
    assert.equal(cart.body.basis, "cart");
    const recorded = await callUnary(
      client,
      client.recordPurchase,
      { customerId, orderId: "order-42", bookIds: ["the-c-programming-language", "clean-code"] },
      { deadlineMs: 2000 },
    );
    assert.equal(recorded.recorded, true);
    const personal = await getJson(
      `${baseUrl}/api/recommendations?customerId=${customerId}&cart=emma&limit=5`,
    );
    assert.equal(personal.body.basis, "history+cart");
    assert.notDeepEqual(personal.body.books, cart.body.books);
    await assert.rejects(
      callUnary(
        client,
        client.recordPurchase,
        { customerId, orderId: "o", bookIds: ["nope"] },
        { deadlineMs: 2000 },
      ),
      (e: { code: number }) => e.code === GrpcStatus.INVALID_ARGUMENT,
    );
    const status = await callUnary(client, client.getIndexStatus, {}, { deadlineMs: 2000 });
    assert.equal(status.indexedBooks, catalog.books.length);
    assert.equal(status.dimensions, 384);
  });

  it("RecordPurchases records the acceptable purchases of a batch and answers each on its own", async () => {
    const call = (purchases: { customerId: string; orderId: string; bookIds: string[] }[]) =>
      callUnary(client, client.recordPurchases, { purchases }, { deadlineMs: 2000 });
    const { results } = await call([
      { customerId: "c-batch-1", orderId: "batch-1", bookIds: ["dune", "foundation"] },
      { customerId: "c-batch-2", orderId: "batch-2", bookIds: ["dune", "no-such-book"] },
      { customerId: "", orderId: "batch-3", bookIds: ["dune"] },
      { customerId: "c-batch-1", orderId: "batch-1", bookIds: ["dune", "foundation"] },
    ]);
    assert.deepEqual(
      results.map((r) => [r.orderId, r.recorded, r.code]),
      [
        ["batch-1", true, 0],
        ["batch-2", false, GrpcStatus.INVALID_ARGUMENT],
        ["batch-3", false, GrpcStatus.INVALID_ARGUMENT],
        ["batch-1", true, 0],
      ],
    );
    assert.match(results[1]?.message ?? "", /book_ids\[1\]: no book with id "no-such-book"/);
    assert.match(results[2]?.message ?? "", /customer_id is required/);
    const basis = async (customerId: string) =>
      (await getJson(`${baseUrl}/api/recommendations?customerId=${customerId}&cart=emma&limit=5`)).body.basis;
    assert.equal(await basis("c-batch-1"), "history+cart");
    assert.equal(await basis("c-batch-2"), "cart", "a refused purchase records none of its books");
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({
      customerId: "c-batch-3",
      orderId: `many-${i}`,
      bookIds: ["dune"],
    }));
    await assert.rejects(call(tooMany), (e: { code: number; details: string }) => {
      assert.equal(e.code, GrpcStatus.INVALID_ARGUMENT);
      assert.match(e.details, /purchases/);
      return true;
    });
    assert.equal(await basis("c-batch-3"), "cart", "nothing of a refused call is recorded");
    // A NUL anywhere in the batch is refused before the handler runs (Postgres text cannot hold one).
    await assert.rejects(
      call([{ customerId: "c-batch-4", orderId: "nul", bookIds: ["du\u0000ne"] }]),
      (e: { code: number; details: string }) => {
        assert.equal(e.code, GrpcStatus.INVALID_ARGUMENT);
        assert.match(e.details, /purchases\[0\]\.book_ids\[0\] must not contain a NUL character/);
        return true;
      },
    );
  });

  it("the front page arrives with the catalog's first books rendered, and their data for the page", async () => {
    const webRoot = mkdtempSync(join(tmpdir(), "web-dist-"));
    writeFileSync(
      join(webRoot, "index.html"),
      `<!doctype html><title>store</title><body>${MAIN_ELEMENT}</body>`,
    );
    const appServing = (suggestions: SuggestionsServiceClient) =>
      buildApp({
        catalog,
        flow: { run: () => Promise.reject(new Error("unused")) },
        fingerprintKey: "test-fingerprint-key-0123456789",
        logger,
        suggestions,
        health: async () => ({}),
        webRoot,
      });
    const withWeb = await appServing(client);
    const withoutCatalog = await appServing(clientFor(SuggestionsServiceClient, "127.0.0.1:1"));
    try {
      const embedded = (html: string) => {
        const m = /<script type="application\/json" id="catalog-data">(.*?)<\/script>/s.exec(html);
        return m ? (JSON.parse(m[1] as string) as PrerenderedCatalog) : undefined;
      };
      const front = await withWeb.inject({ url: "/" });
      assert.equal(front.statusCode, 200);
      assert.equal(front.headers.link, undefined, "nothing to preload: the books are in the page");
      assert.match(
        front.body,
        /<main id="main" tabindex="-1"><div data-prerendered inert>.*<h1 tabindex="-1">Books<\/h1>/s,
      );
      const api = (await getJson(`${baseUrl}${FIRST_CATALOG_PAGE}`)).body;
      const data = embedded(front.body);
      assert.deepEqual(
        data?.listing.books.map((b) => b.id),
        api.books.map((b: { id: string }) => b.id),
      );
      assert.deepEqual(data?.listing.pagination, {
        total: api.pagination.total,
        page: 1,
        limit: 12,
        pages: api.pagination.pages,
      });
      assert.equal([...front.body.matchAll(/data-cy="book-card"/g)].length, 12);
      for (const b of api.books as { title: string }[])
        assert.ok(front.body.includes(`>${escapeHtml(b.title)}<`), b.title);

      const fantasy = await withWeb.inject({ url: "/?genre=fantasy&page=2" });
      assert.deepEqual(embedded(fantasy.body)?.filters, { q: "", genre: "fantasy", author: "", page: 2 });
      assert.match(fantasy.body, /Page <!--lit-part-->2<!--\/lit-part--> of/);
      // A search is the page's to run as typed; an unreachable catalog leaves the page to fetch its books.
      for (const [app, url] of [
        [withWeb, "/?q=wizard"],
        [withoutCatalog, "/"],
      ] as const) {
        const plain = await app.inject({ url });
        assert.equal(plain.statusCode, 200, url);
        assert.ok(!plain.body.includes("data-prerendered") && embedded(plain.body) === undefined, url);
      }
      assert.equal(
        (await withoutCatalog.inject({ url: "/" })).headers.link,
        `<${FIRST_CATALOG_PAGE}>; rel=preload; as=fetch; crossorigin`,
      );
    } finally {
      await withWeb.close();
      await withoutCatalog.close();
      rmSync(webRoot, { recursive: true, force: true });
    }
  });

  it("data embedded in the front page cannot end its script element", () => {
    const text = jsonForScript({ title: "</script><script>alert(1)</script><!--" });
    assert.ok(!text.includes("<"), text);
    assert.deepEqual(JSON.parse(text), { title: "</script><script>alert(1)</script><!--" });
  });
});
