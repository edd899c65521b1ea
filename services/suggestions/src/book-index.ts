import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { Book } from "@bookstore/catalog";
import { bookText, contentHash } from "./book-text.js";
import type { Database } from "./db/database.js";
import { EMBEDDING_DIMENSIONS, type Embedder, toPgVector } from "./embedders/embedder.js";

const HNSW_INDEX = "book_embeddings_hnsw";

export interface IndexReport {
  books: number;
  embedded: number;
  unchanged: number;
  removed: number;
  /** True when the HNSW index was dropped and rebuilt (a bulk load). */
  rebuiltIndex: boolean;
  ms: number;
  embedMs: number;
}

export interface IndexOptions {
  /** Texts per embedder call; the event loop is yielded to between batches. */
  batchSize?: number;
  /** At least this many books to embed (and more than half the index): rebuild HNSW once at the end. */
  bulkThreshold?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Brings the database in line with the catalog, incrementally: books are upserted (rows that did
 * not change are not rewritten), removed books are deleted, and only books whose embedded text or
 * embedder changed are embedded again (content_hash = sha256(embedder + text)).
 */
export async function indexCatalog(
  db: Database,
  embedder: Embedder,
  books: readonly Book[],
  options: IndexOptions = {},
): Promise<IndexReport> {
  if (embedder.dimensions !== EMBEDDING_DIMENSIONS) {
    throw new Error(
      `embedder ${embedder.name} has ${embedder.dimensions} dimensions; the index stores ${EMBEDDING_DIMENSIONS}`,
    );
  }
  const started = performance.now();
  const changed = await upsertBooks(db, books);
  const removed = await db.query<{ n: number }>(
    "WITH gone AS (DELETE FROM books WHERE NOT (book_id = ANY($1::text[])) RETURNING 1) SELECT count(*)::int AS n FROM gone",
    [books.map((b) => b.id)],
  );
  // Lexeme counts (IDF), title and author words (spelling) and search-as-you-type keys are views
  // of the books (migration 005).
  if (changed > 0 || (removed[0]?.n ?? 0) > 0) {
    await db.exec(`REFRESH MATERIALIZED VIEW book_lexemes; REFRESH MATERIALIZED VIEW book_words;
      REFRESH MATERIALIZED VIEW search_keys`);
  }
  const existing = new Map(
    (
      await db.query<{ book_id: string; content_hash: string }>(
        "SELECT book_id, content_hash FROM book_embeddings",
      )
    ).map((r) => [r.book_id, r.content_hash]),
  );
  const stale = books
    .map((book) => {
      const text = bookText(book);
      return { id: book.id, text, hash: contentHash(embedder.name, text) };
    })
    .filter((b) => existing.get(b.id) !== b.hash);

  const bulk = stale.length >= (options.bulkThreshold ?? 2000) && stale.length > existing.size / 2;
  // The migrations own the index definition: keep it to rebuild the same index after the load.
  const hnswDefinition = bulk ? await dropHnswIndex(db) : undefined;
  const batchSize = options.batchSize ?? 32;
  let embedMs = 0;
  try {
    for (let i = 0; i < stale.length; i += batchSize) {
      const batch = stale.slice(i, i + batchSize);
      const t0 = performance.now();
      const vectors = await embedder.embed(batch.map((b) => b.text));
      embedMs += performance.now() - t0;
      await db.query(
        `INSERT INTO book_embeddings (book_id, embedder, content_hash, embedding, updated_at)
         SELECT x.book_id, $2, x.content_hash, x.embedding::vector, now()
         FROM jsonb_to_recordset($1::jsonb) AS x(book_id text, content_hash text, embedding text)
         ON CONFLICT (book_id) DO UPDATE SET embedder = excluded.embedder,
           content_hash = excluded.content_hash, embedding = excluded.embedding, updated_at = now()`,
        [
          JSON.stringify(
            batch.map((b, j) => ({
              book_id: b.id,
              content_hash: b.hash,
              embedding: toPgVector(vectors[j] as Float32Array),
            })),
          ),
          embedder.name,
        ],
      );
      options.onProgress?.(Math.min(i + batchSize, stale.length), stale.length);
      await yieldToEventLoop();
    }
  } finally {
    if (hnswDefinition) await rebuildHnswIndex(db, hnswDefinition);
  }
  return {
    books: books.length,
    embedded: stale.length,
    unchanged: books.length - stale.length,
    removed: removed[0]?.n ?? 0,
    rebuiltIndex: bulk,
    ms: performance.now() - started,
    embedMs,
  };
}

/** Drops the HNSW index (a bulk build is far faster than row-by-row inserts) and returns its definition. */
async function dropHnswIndex(db: Database): Promise<string | undefined> {
  const [row] = await db.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = $1", [
    HNSW_INDEX,
  ]);
  await db.exec(`DROP INDEX IF EXISTS ${HNSW_INDEX}`);
  return row?.indexdef;
}

export async function rebuildHnswIndex(db: Database, definition: string): Promise<void> {
  await db.exec("SET maintenance_work_mem = '512MB'");
  try {
    await db.exec(definition);
    await db.exec("ANALYZE book_embeddings");
  } finally {
    await db.exec("RESET maintenance_work_mem");
  }
}

const BOOKS_PER_STATEMENT = 2000;

/** Inserts new books and rewrites changed ones; returns how many rows were written. */
async function upsertBooks(db: Database, books: readonly Book[]): Promise<number> {
  let written = 0;
  for (let i = 0; i < books.length; i += BOOKS_PER_STATEMENT) {
    const rows = books.slice(i, i + BOOKS_PER_STATEMENT).map((b, j) => ({
      book_id: b.id,
      title: b.title,
      author: b.author,
      year: b.year,
      genres: b.genres,
      description: b.description,
      price_cents: b.priceCents,
      catalog_rank: i + j,
    }));
    const [row] = await db.query<{ n: number }>(
      `WITH written AS (INSERT INTO books (book_id, title, author, year, genres, description, price_cents, catalog_rank)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(book_id text, title text, author text, year int,
         genres text[], description text, price_cents int, catalog_rank int)
       ON CONFLICT (book_id) DO UPDATE SET title = excluded.title, author = excluded.author,
         year = excluded.year, genres = excluded.genres, description = excluded.description,
         price_cents = excluded.price_cents, catalog_rank = excluded.catalog_rank
       WHERE (books.title, books.author, books.year, books.genres, books.description, books.price_cents,
         books.catalog_rank) IS DISTINCT FROM (excluded.title, excluded.author, excluded.year,
         excluded.genres, excluded.description, excluded.price_cents, excluded.catalog_rank)
       RETURNING 1) SELECT count(*)::int AS n FROM written`,
      [JSON.stringify(rows)],
    );
    written += row?.n ?? 0;
  }
  return written;
}
