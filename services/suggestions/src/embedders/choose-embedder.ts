import type { Logger } from "@bookstore/kit";
import type { Database } from "../db/database.js";
import { EMBEDDING_DIMENSIONS, type Embedder } from "./embedder.js";
import { OfflineEmbedder, type OfflineVocabulary } from "./offline.js";
import { TransformerEmbedder } from "./transformer.js";
import { WordNet } from "./wordnet.js";

export type EmbedderMode = "auto" | "transformer" | "offline";

export interface ChooseOptions {
  mode: EmbedderMode;
  /** A local sentence-transformers model (MODEL_DIR); unset = the library's cache, then the hub. */
  modelDir?: string;
  db: Database;
  /** The texts the offline embedder fits its vocabulary on when it has none stored yet. */
  corpus: () => string[];
  logger: Logger;
}

/**
 * The transformer model when one loads (MODEL_DIR, or the cache/hub), else the built-in offline
 * embedder, announced in one log line. EMBEDDER=transformer makes a missing model fatal;
 * EMBEDDER=offline skips the model.
 */
export async function chooseEmbedder(options: ChooseOptions): Promise<Embedder> {
  if (options.mode !== "offline") {
    try {
      const embedder = await TransformerEmbedder.load(options.modelDir ? { modelDir: options.modelDir } : {});
      if (embedder.dimensions !== EMBEDDING_DIMENSIONS) {
        await embedder.close();
        throw new Error(`it has ${embedder.dimensions} dimensions, the index needs ${EMBEDDING_DIMENSIONS}`);
      }
      return embedder;
    } catch (error) {
      const reason = (error as Error).message.split("\n")[0];
      if (options.mode === "transformer") throw new Error(`cannot load the embedding model: ${reason}`);
      const from = options.modelDir ? `from MODEL_DIR` : "from the cache or the hub";
      options.logger.warn(
        { reason },
        `no sentence-transformers model could be loaded ${from}; using the built-in offline embedder`,
      );
    }
  }
  return loadOfflineEmbedder(options.db, options.corpus);
}

/** The offline embedder with its vocabulary from the database, fitted and stored on first use. */
export async function loadOfflineEmbedder(db: Database, corpus: () => string[]): Promise<OfflineEmbedder> {
  const wordnet = WordNet.load();
  const stored = await db.query<{ state: OfflineVocabulary | string }>(
    "SELECT state FROM embedder_state WHERE embedder = $1",
    [OfflineEmbedder.family],
  );
  let vocabulary: OfflineVocabulary;
  const row = stored[0];
  if (row) {
    vocabulary = typeof row.state === "string" ? (JSON.parse(row.state) as OfflineVocabulary) : row.state;
  } else {
    vocabulary = OfflineEmbedder.fit(corpus(), wordnet);
    await db.query(
      "INSERT INTO embedder_state (embedder, state) VALUES ($1, $2::jsonb) ON CONFLICT (embedder) DO NOTHING",
      [OfflineEmbedder.family, JSON.stringify(vocabulary)],
    );
  }
  return new OfflineEmbedder(EMBEDDING_DIMENSIONS, vocabulary, wordnet);
}
