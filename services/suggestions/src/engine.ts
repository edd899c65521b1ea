import type { Book } from "@bookstore/catalog";
import type { Logger } from "@bookstore/kit";
import { type IndexReport, indexCatalog } from "./book-index.js";
import { BookSearch } from "./book-search.js";
import { bookText } from "./book-text.js";
import { type Database, openDatabase } from "./db/database.js";
import { migrate } from "./db/migrate.js";
import { chooseEmbedder, type EmbedderMode } from "./embedders/choose-embedder.js";
import type { Embedder } from "./embedders/embedder.js";
import { EmbeddingQueue } from "./embedders/embedding-queue.js";

export interface EngineOptions {
  books: readonly Book[];
  /** PGlite data directory ("memory://" = in memory); unused when databaseUrl is set. */
  dataDir: string;
  databaseUrl?: string;
  embedder: EmbedderMode | Embedder;
  modelDir?: string;
  /** HNSW candidates per query (pgvector's hnsw.ef_search). */
  efSearch?: number;
  /** Embedded Postgres's shared_buffers (e.g. "1GB"). */
  sharedBuffers?: string;
  queueCapacity?: number;
  logger: Logger;
}

export interface Engine {
  db: Database;
  embedder: Embedder;
  search: BookSearch;
  queue: EmbeddingQueue;
  migrated: number[];
  index: IndexReport;
  close(): Promise<void>;
}

/**
 * Settings of every database session: HNSW candidates per query; a filtered vector search keeps
 * scanning until it has its rows; how close in spelling a title or author word must be to a query
 * word to be taken for it (pg_trgm similarity, 0..1: "tolkein" is 0.33 from "tolkien").
 */
export function searchSessionSql(efSearch: number): string[] {
  return [
    `SET hnsw.ef_search = ${Math.trunc(efSearch)}`,
    "SET hnsw.iterative_scan = relaxed_order",
    "SET pg_trgm.similarity_threshold = 0.3",
  ];
}

/** Opens the database, migrates it, picks the embedder and brings the index up to date. */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const { logger } = options;
  const efSearch = options.efSearch ?? 128; // HNSW_EF_SEARCH's default
  const db = await openDatabase({
    dataDir: options.dataDir,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    sessionSql: searchSessionSql(efSearch),
    ...(options.sharedBuffers ? { sharedBuffers: options.sharedBuffers } : {}),
    onIdleError: (error) => logger.warn({ err: error.message }, "an idle PostgreSQL connection failed"),
  });
  try {
    const migrated = await migrate(db);
    const embedder =
      typeof options.embedder === "object"
        ? options.embedder
        : await chooseEmbedder({
            mode: options.embedder,
            ...(options.modelDir ? { modelDir: options.modelDir } : {}),
            db,
            corpus: () => options.books.map(bookText),
            logger,
          });
    const index = await indexCatalog(db, embedder, options.books, {
      onProgress: (done, total) => {
        if (done % 2048 === 0 || done === total) logger.debug({ done, total }, "embedding books");
      },
    });
    await db.flush();
    logger.info(
      {
        database: db.kind,
        embedder: embedder.name,
        migrated,
        books: index.books,
        embedded: index.embedded,
        unchanged: index.unchanged,
        removed: index.removed,
        indexMs: Math.round(index.ms),
      },
      "catalog indexed",
    );
    const queue = new EmbeddingQueue(embedder, options.queueCapacity ?? 256);
    return {
      db,
      embedder,
      search: new BookSearch(db),
      queue,
      migrated,
      index,
      close: async () => {
        await embedder.close?.();
        await db.close();
      },
    };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
