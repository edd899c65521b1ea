// recall@k and MRR of a ranking function over a relevance set.
import type { RelevanceCase } from "./relevance-set.js";

export interface Quality {
  /** Mean over queries of |expected ∩ top k| / min(|expected|, k). */
  recall: number;
  /** Mean over queries of 1 / (place of the first expected book), 0 when none is in the top k. */
  mrr: number;
  /** Queries with no expected book in the top k. */
  misses: string[];
}

export async function measure(
  cases: readonly RelevanceCase[],
  rank: (query: string) => Promise<string[]>,
  k = 5,
): Promise<Quality> {
  let recall = 0;
  let mrr = 0;
  const misses: string[] = [];
  for (const c of cases) {
    const top = (await rank(c.query)).slice(0, k);
    recall += c.expected.filter((id) => top.includes(id)).length / Math.min(k, c.expected.length);
    const first = top.findIndex((id) => c.expected.includes(id));
    if (first >= 0) mrr += 1 / (first + 1);
    else misses.push(c.query);
  }
  return { recall: recall / cases.length, mrr: mrr / cases.length, misses };
}
