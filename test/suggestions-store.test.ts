// The suggestions store on embedded Postgres (PGlite + pgvector) in a temporary data directory:
// migrations, the HNSW index in the query plan, incremental re-indexing, exclusion of ordered
// books, personalisation after a purchase, durability of purchases across a restart.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Book, loadCatalog } from "@bookstore/catalog";
import { createLogger } from "@bookstore/kit";
import { indexCatalog } from "../services/suggestions/src/book-index.js";
import { migrate } from "../services/suggestions/src/db/migrate.js";
import type { Embedder } from "../services/suggestions/src/embedders/embedder.js";
import { type Engine, startEngine } from "../services/suggestions/src/engine.js";
import { parseSearchQuery } from "../services/suggestions/src/search-query.js";

const books = loadCatalog().books;
const logger = createLogger({ service: "test", level: "silent" });

describe("suggestions store on embedded Postgres", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bookstore-suggestions-"));
  let engine: Engine;
  before(async () => {
    engine = await startEngine({ books, dataDir, embedder: "offline", logger });
  });
  after(async () => {
    await engine?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("applies the versioned migrations once", async () => {
    assert.deepEqual(engine.migrated, [1, 2, 3, 4, 5]);
    const rows = await engine.db.query<{ version: number }>(
      "SELECT version FROM schema_migrations ORDER BY 1",
    );
    assert.deepEqual(
      rows.map((r) => r.version),
      [1, 2, 3, 4, 5],
    );
    const [index] = await engine.db.query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE indexname = 'book_embeddings_hnsw'",
    );
    assert.match(index?.indexdef ?? "", /hnsw .*vector_cosine_ops.*ef_construction='?400/);
    assert.deepEqual(await migrate(engine.db), [], "nothing left to apply");
    assert.equal(engine.index.embedded, books.length);
  });

  it("the search query's shape is served by the HNSW index (EXPLAIN)", async () => {
    // At 418 rows an exact scan is cheaper and the planner rightly picks it; with sequential scans
    // priced out, the plan shows the index matches the query (operator class, join, exclusion); a selective genre filter may rightly prefer the genre's rows.
    // The search benchmark checks the plan at 100,000 books without any hint.
    await engine.db.exec("ANALYZE");
    const vector = (await engine.search.vectorsOf(["dune"])).get("dune");
    assert.ok(vector);
    const text = await engine.db.transaction(async (tx) => {
      await tx.exec("SET LOCAL enable_seqscan = off");
      const plan = await tx.query<{ "QUERY PLAN": string }>(
        `EXPLAIN SELECT b.book_id FROM book_embeddings e JOIN books b ON b.book_id = e.book_id
         WHERE NOT (b.book_id = ANY ($2::text[]))
         ORDER BY e.embedding <=> $1::vector LIMIT 10`,
        [`[${Array.from(vector).join(",")}]`, ["dune"]],
      );
      return plan.map((r) => r["QUERY PLAN"]).join("\n");
    });
    assert.match(text, /Index Scan using book_embeddings_hnsw on book_embeddings/);
  });

  it("re-embeds only books whose text or embedder changed", async () => {
    const again = await indexCatalog(engine.db, engine.embedder, books);
    assert.equal(again.embedded, 0);
    assert.equal(again.unchanged, books.length);
    assert.ok(again.ms < 1000, `${again.ms} ms to find nothing to do`);

    const changed: Book[] = books.map((b) =>
      b.id === "dune" ? { ...b, description: `${b.description} Now with an appendix on ecology.` } : b,
    );
    const one = await indexCatalog(engine.db, engine.embedder, changed);
    assert.equal(one.embedded, 1);
    // The search views follow the catalog: a word no book had before is found.
    const appendix = parseSearchQuery("appendix");
    const [vector] = await engine.embedder.embed([appendix.plain]);
    const found = await engine.search.search(appendix, vector as Float32Array, 3);
    assert.equal(found[0]?.bookId, "dune");
    assert.deepEqual(found[0]?.match.words, [{ field: "description", words: ["appendix"] }]);
    const priceOnly = changed.map((b) => (b.id === "emma" ? { ...b, priceCents: b.priceCents + 100 } : b));
    assert.equal(
      (await indexCatalog(engine.db, engine.embedder, priceOnly)).embedded,
      0,
      "price is not embedded",
    );

    const renamed: Embedder = {
      name: `${engine.embedder.name}-next`,
      kind: "offline",
      dimensions: engine.embedder.dimensions,
      embed: (texts) => engine.embedder.embed(texts),
    };
    const all = await indexCatalog(engine.db, renamed, books.slice(0, 50));
    assert.equal(all.embedded, 50, "a new embedder re-embeds every book");
    assert.equal(all.removed, books.length - 50, "books gone from the catalog are removed");
    const kept = books[0]?.title as string;
    assert.deepEqual(
      (await engine.search.suggest("the hobbit", 5)).map((s) => s.text),
      [],
      "a removed book is no longer suggested",
    );
    assert.equal((await engine.search.suggest(kept, 1))[0]?.text, kept);
    const restored = await indexCatalog(engine.db, engine.embedder, books);
    assert.equal(restored.embedded, books.length);
  });

  it("suggestions for an order exclude the ordered books", async () => {
    const ordered = ["the-hobbit", "the-lord-of-the-rings"];
    const books3 = await engine.search.like(ordered, 3);
    assert.equal(books3.length, 3);
    for (const b of books3) assert.ok(!ordered.includes(b.bookId), `${b.bookId} was ordered`);
    assert.ok(books3.every((b) => b.score > 0 && b.score <= 1));
  });

  it("search filters by genre, author and price inside the nearest-neighbour query", async () => {
    const vector = (await engine.search.vectorsOf(["dune"])).get("dune") as Float32Array;
    const horror = await engine.search.nearest(vector, 5, { genre: "horror" });
    assert.equal(horror.length, 5);
    for (const b of horror) assert.ok(books.find((x) => x.id === b.bookId)?.genres.includes("horror"));
    const austen = await engine.search.nearest(vector, 10, { author: "austen" });
    assert.ok(austen.length >= 4 && austen.every((b) => b.author === "Jane Austen"));
    const cheap = await engine.search.nearest(vector, 10, { maxPriceCents: 900 });
    for (const b of cheap) assert.ok((books.find((x) => x.id === b.bookId)?.priceCents ?? 0) <= 900);
    assert.deepEqual(
      await engine.search.nearest(vector, 5, { author: "%" }),
      [],
      "LIKE wildcards are literal",
    );
  });

  it("personalisation: popular for nobody, cart for a new customer, history+cart after a purchase", async () => {
    const nobody = await engine.search.recommend("", [], 5);
    assert.equal(nobody.basis, "popular");
    const cart = ["pride-and-prejudice"];
    const before = await engine.search.recommend("customer-1", cart, 5);
    assert.equal(before.basis, "cart");
    await engine.search.recordPurchases([
      { customerId: "customer-1", orderId: "order-1", bookIds: ["neuromancer", "snow-crash", "hyperion"] },
    ]);
    const afterPurchase = await engine.search.recommend("customer-1", cart, 5);
    assert.equal(afterPurchase.basis, "history+cart");
    assert.notDeepEqual(
      afterPurchase.books.map((b) => b.bookId),
      before.books.map((b) => b.bookId),
    );
    for (const b of afterPurchase.books)
      assert.ok(!["neuromancer", "snow-crash", "hyperion"].includes(b.bookId));
    const history = await engine.search.recommend("customer-1", [], 5);
    assert.equal(history.basis, "history");
    const popular = await engine.search.recommend("someone-else", [], 3);
    assert.deepEqual(
      popular.books.map((b) => b.bookId),
      ["neuromancer", "hyperion", "snow-crash"],
      "most bought first, ties in catalog order",
    );
  });

  it("purchases survive a restart; a restart with an indexed catalog embeds nothing", async () => {
    await engine.close();
    const t0 = performance.now();
    engine = await startEngine({ books, dataDir, embedder: "offline", logger });
    const ms = performance.now() - t0;
    assert.equal(engine.index.embedded, 0);
    assert.ok(engine.index.ms < 1000, `indexing took ${engine.index.ms} ms`);
    assert.deepEqual(engine.migrated, []);
    assert.deepEqual((await engine.search.purchasedBy("customer-1")).sort(), [
      "hyperion",
      "neuromancer",
      "snow-crash",
    ]);
    assert.ok(ms < 15_000);
  });
});
