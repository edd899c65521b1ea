import { createHash } from "node:crypto";
import type { Embedder } from "./embedder.js";
import { normalize } from "./embedder.js";
import type { WordNet } from "./wordnet.js";

const STOPWORDS = new Set(
  `a an and are as at be been but by for from had has have he her his i in into is it its of on or
  our she so than that the their them then there these they this to was we were what when where which
  who whom why will with you your about after all also any because before between both can could
  did do does each few more most much must no nor not now only other over own same should some such
  very would one two out up down off once just while who how themselves himself herself itself book
  books novel story tale`.split(/\s+/),
);

/** Words of a text: lowercased letters and digits, accents stripped. */
export function words(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** A light suffix stripper (plural, -ing, -ed, -ly) so "wizards" and "wizard" meet. */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith("ing") && word.length > 5) return word.slice(0, -3);
  if (word.endsWith("ed") && word.length > 4) return word.slice(0, -2);
  if (word.endsWith("ly") && word.length > 4) return word.slice(0, -2);
  if (word.endsWith("es") && /(ch|sh|x|ss)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s") && !word.endsWith("ss") && !word.endsWith("us")) return word.slice(0, -1);
  return word;
}

/** 32-bit FNV-1a. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Frozen document frequencies, fitted once on a corpus (the catalog) and stored with the index. */
export interface OfflineVocabulary {
  documents: number;
  df: Record<string, number>;
}

const WEIGHTS = { word: 1, bigram: 0.3, trigram: 0.25, synonym: 0.5 };

/**
 * The built-in offline embedder: a bag of features (stemmed words, word bigrams, character
 * trigrams, and WordNet synonyms of each word) with sublinear TF and IDF weights from a frozen
 * vocabulary, hashed with a sign bit into 384 dimensions and normalised. No network, no model
 * file; cosine similarity behaves like TF-IDF with synonyms bridged.
 */
export class OfflineEmbedder implements Embedder {
  readonly kind = "offline";
  /** Key of the stored vocabulary. */
  static readonly family = "offline:tfidf-ngrams-wordnet-v1";
  /** The family, whether WordNet is present, and a fingerprint of the vocabulary. */
  readonly name: string;
  private readonly idfCache = new Map<string, number>();
  private readonly maxIdf: number;

  constructor(
    readonly dimensions: number,
    private readonly vocabulary: OfflineVocabulary,
    private readonly wordnet: WordNet | undefined,
  ) {
    this.maxIdf = Math.log(1 + vocabulary.documents);
    // Order-independent: jsonb does not keep the key order the vocabulary was fitted in.
    const hash = createHash("sha256").update(String(vocabulary.documents));
    for (const key of Object.keys(vocabulary.df).sort()) hash.update(`\n${key}=${vocabulary.df[key]}`);
    const fingerprint = hash.digest("hex").slice(0, 8);
    this.name = `${OfflineEmbedder.family}${wordnet ? "" : "-nowordnet"}@${fingerprint}`;
  }

  /** Document frequencies of a corpus's features (synonyms included). */
  static fit(texts: readonly string[], wordnet?: WordNet): OfflineVocabulary {
    const df: Record<string, number> = {};
    for (const text of texts) {
      for (const feature of new Set(featuresOf(text, wordnet).keys())) df[feature] = (df[feature] ?? 0) + 1;
    }
    return { documents: texts.length, df };
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    for (const [feature, weight] of featuresOf(text, this.wordnet)) {
      const h = fnv1a(feature);
      const index = h % this.dimensions;
      const sign = h & 0x80000000 ? -1 : 1;
      vector[index] = (vector[index] as number) + sign * weight * this.idf(feature);
    }
    return normalize(vector);
  }

  private idf(feature: string): number {
    let value = this.idfCache.get(feature);
    if (value === undefined) {
      const df = this.vocabulary.df[feature] ?? 0;
      // Unseen features (a query's words, synonyms) weigh as much as the rarest seen ones.
      value = Math.min(this.maxIdf, Math.log((1 + this.vocabulary.documents) / (1 + df)) + 1);
      this.idfCache.set(feature, value);
    }
    return value;
  }
}

/** Features of a text with their weights (each occurrence adds its kind's weight; sums above 1 grow logarithmically). */
function featuresOf(text: string, wordnet: WordNet | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (feature: string, weight: number) => counts.set(feature, (counts.get(feature) ?? 0) + weight);
  const content = words(text).filter((w) => !STOPWORDS.has(w));
  const stems = content.map(stem);
  for (let i = 0; i < content.length; i++) {
    const word = content[i] as string;
    const s = stems[i] as string;
    add(`w:${s}`, WEIGHTS.word);
    if (i + 1 < stems.length) add(`b:${s}_${stems[i + 1]}`, WEIGHTS.bigram);
    const padded = `<${s}>`;
    for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, WEIGHTS.trigram);
    if (wordnet && word.length > 2 && !/^\d+$/.test(word)) {
      const base = wordnet.synonyms(word).length > 0 ? word : s;
      for (const synonym of wordnet.synonyms(base)) {
        if (!STOPWORDS.has(synonym)) add(`w:${stem(synonym)}`, WEIGHTS.synonym);
      }
    }
  }
  // Sublinear term frequency: repeated features count less than linearly.
  for (const [feature, sum] of counts) if (sum > 1) counts.set(feature, 1 + Math.log(sum));
  return counts;
}
