// Relevance of each available embedder on our hand-written query set (services/suggestions/test/
// support/relevance-set.ts): recall@5 of exact cosine search over the catalog, printed for each
// embedder. The offline embedder must not fall below the level it reached when this was written.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { describe, it } from "node:test";
import { loadCatalog } from "@bookstore/catalog";
import { bookText } from "../services/suggestions/src/book-text.js";
import { dot, type Embedder } from "../services/suggestions/src/embedders/embedder.js";
import { OfflineEmbedder } from "../services/suggestions/src/embedders/offline.js";
import { TransformerEmbedder } from "../services/suggestions/src/embedders/transformer.js";
import { WordNet } from "../services/suggestions/src/embedders/wordnet.js";
import { relevanceSet } from "../services/suggestions/test/support/relevance-set.js";
import { generateTinyModel } from "../services/suggestions/test/support/tiny-model.js";

/** recall@5 of the offline embedder when this test was written (36 queries): 0.7685. */
const OFFLINE_RECALL_AT_5_FLOOR = 0.76;
/**
 * recall@5 of the tiny generated model (seeded random word vectors) when this was written: 0.356.
 * Random vectors still carry word overlap, so tokenizer → model → masked mean pooling → normalising
 * ranks books sharing the query's words far above chance (5 of 418 books, 0.012); a pipeline that
 * pooled padding or dropped words would fall towards chance.
 */
const TINY_MODEL_RECALL_AT_5_FLOOR = 0.3;

const books = loadCatalog().books;
const texts = books.map(bookText);

async function recallAt5(embedder: Embedder): Promise<number> {
  const vectors = await embedder.embed(texts);
  const queries = await embedder.embed(relevanceSet.map((r) => r.query));
  let sum = 0;
  relevanceSet.forEach((r, i) => {
    const q = queries[i] as Float32Array;
    const top = vectors
      .map((v, j) => ({ id: books[j]?.id as string, score: dot(q, v) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 5)
      .map((s) => s.id);
    sum += r.expected.filter((id) => top.includes(id)).length / Math.min(5, r.expected.length);
  });
  return sum / relevanceSet.length;
}

describe("relevance: recall@5 on our query set", () => {
  it("the set has at least 30 queries, each naming catalog books", () => {
    assert.ok(relevanceSet.length >= 30);
    const ids = new Set(books.map((b) => b.id));
    for (const r of relevanceSet) for (const id of r.expected) assert.ok(ids.has(id), `${id} (${r.query})`);
  });

  it("offline embedder (TF-IDF n-grams + WordNet) keeps its recall@5", async () => {
    const wordnet = WordNet.load();
    const embedder = new OfflineEmbedder(384, OfflineEmbedder.fit(texts, wordnet), wordnet);
    const recall = await recallAt5(embedder);
    console.log(`recall@5 ${embedder.name}: ${recall.toFixed(3)}`);
    assert.ok(recall >= OFFLINE_RECALL_AT_5_FLOOR, `recall@5 ${recall} < ${OFFLINE_RECALL_AT_5_FLOOR}`);
  });

  it("tiny generated transformer model (random word vectors: a floor, not a quality claim)", async () => {
    const vocabulary = [...new Set(texts.flatMap((t) => t.toLowerCase().split(/[^a-z0-9]+/)))];
    const model = generateTinyModel({ words: vocabulary });
    const embedder = await TransformerEmbedder.load({ modelDir: model.dir });
    try {
      const recall = await recallAt5(embedder);
      console.log(`recall@5 ${embedder.name}: ${recall.toFixed(3)}`);
      assert.ok(
        recall >= TINY_MODEL_RECALL_AT_5_FLOOR,
        `recall@5 ${recall} < ${TINY_MODEL_RECALL_AT_5_FLOOR}`,
      );
    } finally {
      await embedder.close();
      rmSync(dirname(model.dir), { recursive: true, force: true });
    }
  });

  it("all-MiniLM-L6-v2 from MODEL_DIR, when one is there", async (t) => {
    const modelDir = process.env.MODEL_DIR;
    if (!modelDir) {
      t.skip("MODEL_DIR is not set (this machine cannot download the model)");
      return;
    }
    const embedder = await TransformerEmbedder.load({ modelDir });
    try {
      const recall = await recallAt5(embedder);
      console.log(`recall@5 ${embedder.name}: ${recall.toFixed(3)}`);
      assert.ok(recall >= OFFLINE_RECALL_AT_5_FLOOR, "the real model should beat the offline floor");
    } finally {
      await embedder.close();
    }
  });
});
