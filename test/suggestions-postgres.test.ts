// The DATABASE_URL path: the suggestions store through the `pg` driver and its connection pool,
// speaking the PostgreSQL wire protocol to a server. No PostgreSQL server with pgvector can be
// installed on this machine (Debian's has no pgvector package), so the server here is Postgres +
// pgvector compiled to WASM (PGlite) behind @electric-sql/pglite-socket: the same SQL, protocol,
// parameter binding and pool code as against a stock server.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadCatalog } from "@bookstore/catalog";
import { createLogger, freePort } from "@bookstore/kit";
import { PGlite } from "@electric-sql/pglite";
import { fuzzystrmatch } from "@electric-sql/pglite/contrib/fuzzystrmatch";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { openDatabase } from "../services/suggestions/src/db/database.js";
import { type Engine, startEngine } from "../services/suggestions/src/engine.js";
import { parseSearchQuery } from "../services/suggestions/src/search-query.js";
import { relevanceSet } from "../services/suggestions/test/support/relevance-set.js";
import { typoSet } from "../services/suggestions/test/support/typo-set.js";

const books = loadCatalog().books;
const logger = createLogger({ service: "test", level: "silent" });

describe("suggestions store on a PostgreSQL server (DATABASE_URL, pg pool)", { timeout: 120_000 }, () => {
  let server: PGLiteSocketServer;
  let backing: PGlite;
  let url: string;
  let remote: Engine;
  let embedded: Engine;

  before(async () => {
    // The extensions a stock server gets from pgvector and postgresql-contrib.
    backing = await PGlite.create({ extensions: { vector, pg_trgm, unaccent, fuzzystrmatch } });
    const port = await freePort();
    server = new PGLiteSocketServer({ db: backing, host: "127.0.0.1", port, maxConnections: 32 });
    await server.start();
    url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    remote = await startEngine({
      books,
      dataDir: "unused",
      databaseUrl: url,
      embedder: "offline",
      efSearch: 77,
      logger,
    });
    embedded = await startEngine({ books, dataDir: "memory://", embedder: "offline", efSearch: 77, logger });
  });
  after(async () => {
    await remote?.close();
    await embedded?.close();
    await server?.stop();
    await backing?.close();
  });

  it("migrates and indexes the catalog through the pg driver", async () => {
    assert.equal(remote.db.kind, "postgres");
    assert.deepEqual(remote.migrated, [1, 2, 3, 4, 5]);
    assert.equal(remote.index.embedded, books.length);
    const [row] = await remote.db.query<{ n: number }>("SELECT count(*)::int AS n FROM book_embeddings");
    assert.equal(row?.n, books.length);
  });

  it("answers searches exactly as embedded Postgres does", async () => {
    for (const { query } of relevanceSet.slice(0, 10)) {
      const [v] = await remote.embedder.embed([query]);
      assert.ok(v);
      const [a, b] = await Promise.all([remote.search.nearest(v, 5), embedded.search.nearest(v, 5)]);
      assert.deepEqual(
        a.map((x) => x.bookId),
        b.map((x) => x.bookId),
        query,
      );
    }
    const [wizard] = await remote.embedder.embed(["a boy wizard at a school of magic"]);
    const top = await remote.search.nearest(wizard as Float32Array, 5);
    assert.ok(top.some((b) => b.bookId.startsWith("harry-potter")));
  });

  it("answers hybrid searches and suggestions exactly as embedded Postgres does", async () => {
    for (const { query } of [...relevanceSet.slice(0, 5), ...typoSet.slice(0, 5)]) {
      const parsed = parseSearchQuery(query);
      const [v] = await remote.embedder.embed([parsed.plain]);
      assert.ok(v);
      const [a, b] = await Promise.all([
        remote.search.search(parsed, v, 5),
        embedded.search.search(parsed, v, 5),
      ]);
      assert.deepEqual(a, b, query);
      assert.ok(a.length > 0, query);
    }
    const [typed, local] = await Promise.all([
      remote.search.suggest("tolkein", 5),
      embedded.search.suggest("tolkein", 5),
    ]);
    assert.deepEqual(typed, local);
    assert.equal(typed[0]?.text, "J. R. R. Tolkien");
  });

  it("records purchases (a transaction) and reads them back", async () => {
    await remote.search.recordPurchases([
      { customerId: "c-pg", orderId: "o-1", bookIds: ["dune", "foundation"] },
    ]);
    assert.deepEqual((await remote.search.purchasedBy("c-pg")).sort(), ["dune", "foundation"]);
  });

  it("runs the session settings on every pooled connection before its first query", async () => {
    const shown = await Promise.all(
      Array.from({ length: 8 }, () =>
        remote.db.query<{ ef: string; trgm: string }>(
          "SELECT current_setting('hnsw.ef_search') AS ef, current_setting('pg_trgm.similarity_threshold') AS trgm",
        ),
      ),
    );
    for (const rows of shown) assert.deepEqual(rows[0], { ef: "77", trgm: "0.3" });
  });

  it("a second start embeds nothing (incremental)", async () => {
    const again = await startEngine({
      books,
      dataDir: "unused",
      databaseUrl: url,
      embedder: "offline",
      logger,
    });
    try {
      assert.deepEqual(again.migrated, []);
      assert.equal(again.index.embedded, 0);
      assert.equal(again.index.unchanged, books.length);
    } finally {
      await again.close();
    }
  });

  it("a failing session statement fails the query with its error", async () => {
    const db = await openDatabase({ dataDir: "unused", databaseUrl: url })
      .then(async (ok) => {
        await ok.close();
        return openDatabase({
          dataDir: "unused",
          databaseUrl: url,
          sessionSql: ["SET hnsw.ef_search = 'lots'"],
        });
      })
      .catch((error: Error) => error);
    assert.ok(db instanceof Error, "opening runs a query, which must fail");
    assert.match(db.message, /ef_search|invalid value/i);
  });
});
