import { env } from "@bookstore/kit";
import { z } from "zod";
import { SHARED_BUFFERS_SIZE } from "./db/shared-buffers.js";

export const configSchema = z.object({
  SUGGESTIONS_HOST: env.host(),
  SUGGESTIONS_PORT: env.port(50053),
  SUGGESTIONS_ADMIN_PORT: env.port(51053),
  /** Embedded Postgres (PGlite) data directory; "memory://" keeps it in memory. */
  SUGGESTIONS_DATA_DIR: z.string().min(1).default("./var/suggestions"),
  /** A PostgreSQL server with pgvector instead of the embedded one; never logged. */
  // No pattern check here: a config error echoes the value, and this one may hold a password.
  DATABASE_URL: z.string().default(""),
  /** auto: the model if one loads, else the offline embedder. */
  EMBEDDER: z.enum(["auto", "transformer", "offline"]).default("auto"),
  /** A local sentence-transformers model directory (config.json, tokenizer.json, onnx/model.onnx). */
  MODEL_DIR: z.string().default(""),
  CATALOG_PATH: z.string().optional(),
  /** Books suggested with each order (checkout event f). */
  SUGGESTIONS_PER_ORDER: z.coerce.number().int().min(1).max(20).default(3),
  /**
   * Embedded Postgres's buffer cache (shared_buffers), e.g. 1GB; empty = Postgres's 128MB. Size it
   * to hold the catalog's index and tables (a 100,000-book catalog: about 700 MB).
   */
  PGLITE_SHARED_BUFFERS: z
    .string()
    .refine((size) => size === "" || SHARED_BUFFERS_SIZE.test(size), "a size such as 512MB or 1GB")
    .default(""),
  /** HNSW candidate list per query (pgvector hnsw.ef_search): recall against latency. */
  HNSW_EF_SEARCH: z.coerce.number().int().min(10).max(1000).default(128),
  /** Query embeddings waiting at most; beyond, RESOURCE_EXHAUSTED. */
  EMBED_QUEUE_CAPACITY: z.coerce.number().int().min(1).max(100_000).default(256),
  ORDER_TTL_MS: env.millis(10 * 60_000),
  LOG_LEVEL: env.logLevel(),
});

export type Config = z.infer<typeof configSchema>;
