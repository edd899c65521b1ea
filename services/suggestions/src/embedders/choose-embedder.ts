import type { Logger } from "@bookstore/kit";
import type { Database } from "../db/database.js";
import { EMBEDDING_DIMENSIONS, type Embedder } from "./embedder.js";
import { OfflineEmbedder, type OfflineVocabulary } from "./offline.js";
import { TransformerEmbedder } from "./transformer.js";
import { WordNet } from "./wordnet.js";

export type EmbedderMode = "auto" | "transformer" | "offline";

export interface ChooseOptions {
  mode: EmbedderMode;
  /** A local sentence-transformers model (MODEL_DIR); unset = the library's cache (and the hub for "transformer"). */
  modelDir?: string;
  db: Database;
  /** The texts the offline embedder fits its vocabulary on when it has none stored yet. */
  corpus: () => string[];
  logger: Logger;
}

/**
 * EMBEDDER=auto: the transformer model when one is at hand (MODEL_DIR, or already in the library's
 * cache: no download, so a start without network does not wait on one), else the built-in offline
 * embedder, announced in one log line. EMBEDDER=transformer may download the model from the hub
 * and makes a missing model fatal; EMBEDDER=offline skips the model.
 */
export async function chooseEmbedder(options: ChooseOptions): Promise<Embedder> {
  if (options.mode !== "offline") {
    try {
      const embedder = await TransformerEmbedder.load(
        options.modelDir ? { modelDir: options.modelDir } : { remote: options.mode === "transformer" },
      );
      if (embedder.dimensions !== EMBEDDING_DIMENSIONS) {
        await embedder.close();
        throw new Error(`it has ${embedder.dimensions} dimensions, the index needs ${EMBEDDING_DIMENSIONS}`);
      }
      return embedder;
    } catch (error) {
      const reason = (error as Error).message.split("\n")[0];
      if (options.mode === "transformer") throw new Error(`cannot load the embedding model: ${reason}`);
      if (options.modelDir) {
        options.logger.warn(
          { reason },
          "the model in MODEL_DIR could not be loaded; using the built-in offline embedder",
        );
      } else {
        // The usual case of a fresh machine: nothing cached, and auto never downloads.
        options.logger.info(
          { reason },
          "no sentence-transformers model in the library's cache; using the built-in offline embedder",
        );
      }
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
