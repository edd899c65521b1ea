// Search suite: latency (p50/p99, top-10, query embedding included) and throughput of the vector
// search, of the hybrid search (full text + vector + spelling, fused) and of suggestions as you
// type, on the catalog and on a synthetic catalog of BENCH_SEARCH_BOOKS books (default 100,000)
// generated here; indexing rate (books/s) of each embedder; recall@10 of the HNSW index against
// exact search on the synthetic catalog at several hnsw.ef_search values. Embedded Postgres
// (PGlite, WASM, one thread), one client: queries run one after another.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { type Book, loadCatalog } from "@bookstore/catalog";
import { indexCatalog } from "../../services/suggestions/src/book-index.js";
import { BookSearch } from "../../services/suggestions/src/book-search.js";
import { bookText } from "../../services/suggestions/src/book-text.js";
import { type Database, openDatabase } from "../../services/suggestions/src/db/database.js";
import { migrate } from "../../services/suggestions/src/db/migrate.js";
import { loadOfflineEmbedder } from "../../services/suggestions/src/embedders/choose-embedder.js";
import { type Embedder, toPgVector } from "../../services/suggestions/src/embedders/embedder.js";
import { TransformerEmbedder } from "../../services/suggestions/src/embedders/transformer.js";
import { searchSessionSql } from "../../services/suggestions/src/engine.js";
import { parseSearchQuery } from "../../services/suggestions/src/search-query.js";
import { paraphraseSet } from "../../services/suggestions/test/support/paraphrase-set.js";
import { relevanceSet } from "../../services/suggestions/test/support/relevance-set.js";
import { generateTinyModel, seededRandom } from "../../services/suggestions/test/support/tiny-model.js";
import { typoSet } from "../../services/suggestions/test/support/typo-set.js";
import { type BenchRow, percentile, round } from "../lib/report.js";

const syntheticBooks = Number(process.env.BENCH_SEARCH_BOOKS ?? 100_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
/**
 * Where the synthetic catalog's database lives: in memory by default; a directory keeps it, so a
 * later run re-measures without the long HNSW build (indexing is incremental: nothing to embed).
 */
const syntheticDir = process.env.BENCH_SEARCH_DIR ?? "memory://";
/** hnsw.ef_search values to measure on the synthetic catalog (BENCH_SEARCH_EF="64,128"). */
const efValues = (process.env.BENCH_SEARCH_EF ?? "64,128,144,160,192").split(",").map(Number);
const queries = relevanceSet.map((r) => r.query);
/** What shoppers type into the search box: questions, paraphrases, typos. */
const searchBoxQueries = [...relevanceSet, ...paraphraseSet, ...typoSet].map((r) => r.query);

/** Every prefix of at least two characters of the typo set's queries, as typed key by key. */
const typedPrefixes = typoSet.flatMap(({ query }) =>
  Array.from({ length: query.length - 1 }, (_, i) => query.slice(0, i + 2)),
);

async function openDb(efSearch = 64, dataDir = "memory://", sharedBuffers?: string): Promise<Database> {
  const db = await openDatabase({
    dataDir,
    sessionSql: searchSessionSql(efSearch),
    ...(sharedBuffers ? { sharedBuffers } : {}),
  });
  await migrate(db);
  return db;
}

/**
 * `op(i)` one call after another for `seconds` (at least 50 calls), measured warm: the first
 * `cycle` calls (one round of the query list) run unmeasured, as a running service has its cache
 * filled; a page's first touch after a start is a read through PGlite's filesystem.
 */
async function latencyLoad(
  label: string,
  embedder: Embedder,
  cycle: number,
  op: (i: number) => Promise<unknown>,
): Promise<BenchRow> {
  for (let i = 0; i < cycle; i++) await op(i);
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end || samples.length < 50; i++) {
    const t0 = performance.now();
    await op(i);
    samples.push(performance.now() - t0);
  }
  const total = samples.reduce((a, b) => a + b, 0);
  return {
    suite: "search",
    case: label,
    clients: 1,
    ops_per_s: round((samples.length / total) * 1000, 0),
    p50_ms: round(percentile(samples, 50)),
    p99_ms: round(percentile(samples, 99)),
    embedder: embedder.name.split("@")[0] as string,
  };
}

/** Top-10 vector searches (embed + nearest). */
function searchLoad(label: string, embedder: Embedder, search: BookSearch): Promise<BenchRow> {
  return latencyLoad(label, embedder, queries.length, async (i) => {
    const [vector] = await embedder.embed([queries[i % queries.length] as string]);
    await search.nearest(vector as Float32Array, 10);
  });
}

/** Top-10 hybrid searches (parse + embed + one fused statement), as the Search RPC runs them. */
function hybridLoad(label: string, embedder: Embedder, search: BookSearch): Promise<BenchRow> {
  return latencyLoad(label, embedder, searchBoxQueries.length, async (i) => {
    const query = parseSearchQuery(searchBoxQueries[i % searchBoxQueries.length] as string);
    const [vector] = await embedder.embed([query.plain]);
    await search.search(query, vector as Float32Array, 10);
  });
}

/** Eight suggestions for each prefix, as typed key by key. */
function suggestLoad(label: string, embedder: Embedder, search: BookSearch): Promise<BenchRow> {
  return latencyLoad(label, embedder, typedPrefixes.length, (i) =>
    search.suggest(typedPrefixes[i % typedPrefixes.length] as string, 8),
  );
}

function indexRow(label: string, embedder: Embedder, books: number, ms: number, embedMs: number): BenchRow {
  return {
    suite: "search",
    case: label,
    clients: 1,
    ops_per_s: round((books / ms) * 1000, 0),
    p50_ms: 0,
    p99_ms: 0,
    embedder: embedder.name.split("@")[0] as string,
    books,
    books_per_s_embedding_only: embedMs > 0 ? round((books / embedMs) * 1000, 0) : 0,
  };
}

/** Synthetic books: catalog sentences recombined under random titles, authors and genres. */
function synthesize(count: number, catalog: readonly Book[]): Book[] {
  const random = seededRandom(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const sentences = catalog.flatMap((b) => b.description.split(/(?<=\.)\s+/));
  const titleWords = [...new Set(catalog.flatMap((b) => b.title.split(/\s+/)))];
  const authors = [...new Set(catalog.map((b) => b.author))];
  const genres = [...new Set(catalog.flatMap((b) => b.genres))];
  return Array.from({ length: count }, (_, i) => ({
    id: `synthetic-${i}`,
    title: `${pick(titleWords)} ${pick(titleWords)} ${pick(titleWords)}`,
    author: pick(authors),
    year: 1800 + Math.floor(random() * 225),
    genres: [pick(genres), pick(genres)],
    description: `${pick(sentences)} ${pick(sentences)}`,
    priceCents: 500 + Math.floor(random() * 3000),
    stock: 10,
  }));
}

const SYNTHETIC_SHARED_BUFFERS = "1GB";

/** HNSW_EF_SEARCH's default: the hybrid search is measured with it. */
const DEFAULT_EF_SEARCH = 128;

export default async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const catalog = loadCatalog().books;

  // 1. The catalog with each available embedder: indexing rate and search latency.
  const model = generateTinyModel({
    words: [
      ...new Set(
        catalog.flatMap((b) =>
          bookText(b)
            .toLowerCase()
            .split(/[^a-z0-9]+/),
        ),
      ),
    ],
  });
  const transformers: { label: string; load: () => Promise<Embedder> }[] = [
    { label: "tiny test model", load: () => TransformerEmbedder.load({ modelDir: model.dir }) },
  ];
  if (process.env.MODEL_DIR) {
    const modelDir = process.env.MODEL_DIR;
    transformers.push({ label: "MODEL_DIR", load: () => TransformerEmbedder.load({ modelDir }) });
  }
  for (const kind of ["offline", ...transformers.map((t) => t.label)]) {
    const db = await openDb();
    try {
      const embedder: Embedder =
        kind === "offline"
          ? await loadOfflineEmbedder(db, () => catalog.map(bookText))
          : await (transformers.find((t) => t.label === kind) as { load: () => Promise<Embedder> }).load();
      const report = await indexCatalog(db, embedder, catalog);
      rows.push(indexRow(`index catalog (${kind})`, embedder, catalog.length, report.ms, report.embedMs));
      const search = new BookSearch(db);
      rows.push(await searchLoad(`search catalog top-10 (${kind})`, embedder, search));
      rows.push(await hybridLoad(`hybrid search catalog top-10 (${kind})`, embedder, search));
      if (kind === "offline") rows.push(await suggestLoad("suggest catalog 8", embedder, search));
      await embedder.close?.();
    } finally {
      await db.close();
    }
  }
  rmSync(dirname(model.dir), { recursive: true, force: true });

  // 2. The synthetic catalog with the offline embedder: bulk indexing, latency, HNSW recall.
  const books = synthesize(syntheticBooks, catalog);
  // As deployed for a catalog this size (PGLITE_SHARED_BUFFERS): the index and tables, ~700 MB at
  // 100,000 books, stay in Postgres's cache instead of being read through PGlite's filesystem.
  const db = await openDb(DEFAULT_EF_SEARCH, syntheticDir, SYNTHETIC_SHARED_BUFFERS);
  try {
    const embedder = await loadOfflineEmbedder(db, () => books.map(bookText));
    console.log(`search: indexing ${books.length} synthetic books...`);
    const report = await indexCatalog(db, embedder, books, { batchSize: 500 });
    // A kept database (BENCH_SEARCH_DIR) has nothing to embed: that is a check, not an indexing rate.
    const how = report.embedded === 0 ? "already indexed, checked" : "bulk";
    rows.push(
      indexRow(
        `index ${books.length} synthetic (offline, ${how})`,
        embedder,
        books.length,
        report.ms,
        report.embedMs,
      ),
    );
    const search = new BookSearch(db);
    const plan = (
      await db.query<{ "QUERY PLAN": string }>(
        `EXPLAIN SELECT b.book_id FROM book_embeddings e JOIN books b ON b.book_id = e.book_id
         WHERE NOT (b.book_id = ANY ($2::text[])) ORDER BY e.embedding <=> $1::vector LIMIT 10`,
        [toPgVector((await embedder.embed(["probe"]))[0] as Float32Array), []],
      )
    )
      .map((r) => r["QUERY PLAN"])
      .join(" ");
    const usesHnsw = plan.includes("book_embeddings_hnsw");
    const queryVectors = await embedder.embed(queries);
    // Exact top-10 by a sequential scan: ids, and the 10th distance for recall with ties.
    const exact: { ids: string[]; tenth: number }[] = [];
    for (const v of queryVectors) {
      exact.push(
        await db.transaction(async (tx) => {
          await tx.exec("SET LOCAL enable_indexscan = off");
          const r = await tx.query<{ book_id: string; distance: number }>(
            "SELECT book_id, embedding <=> $1::vector AS distance FROM book_embeddings ORDER BY 2 LIMIT 10",
            [toPgVector(v)],
          );
          return { ids: r.map((x) => x.book_id), tenth: Number(r[r.length - 1]?.distance ?? 0) };
        }),
      );
    }
    for (const ef of efValues) {
      await db.exec(`SET hnsw.ef_search = ${ef}`);
      // Two recalls: the same ids as the exact answer, and (ann-benchmarks' convention, fair
      // when many books tie in distance) results no farther than the exact 10th + 1e-3.
      let sameIds = 0;
      let withinTenth = 0;
      for (const [i, v] of queryVectors.entries()) {
        const top = await search.nearest(v, 10);
        const truth = exact[i] as { ids: string[]; tenth: number };
        sameIds += top.filter((b) => truth.ids.includes(b.bookId)).length;
        withinTenth += top.filter((b) => 1 - b.score <= truth.tenth + 1e-3).length;
      }
      const row = await searchLoad(`search ${books.length} synthetic top-10 ef=${ef}`, embedder, search);
      row.recall_at_10_same_ids = round(sameIds / (10 * queryVectors.length), 3);
      row.recall_at_10_distance = round(withinTenth / (10 * queryVectors.length), 3);
      row.plan = usesHnsw ? "hnsw" : "seq scan";
      rows.push(row);
    }
    await db.exec(`SET hnsw.ef_search = ${DEFAULT_EF_SEARCH}`);
    rows.push(
      await hybridLoad(
        `hybrid search ${books.length} synthetic top-10 ef=${DEFAULT_EF_SEARCH}`,
        embedder,
        search,
      ),
    );
    rows.push(await suggestLoad(`suggest ${books.length} synthetic 8`, embedder, search));
  } finally {
    await db.close();
  }
  return rows;
}
