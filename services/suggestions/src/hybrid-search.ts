import type { FieldWords, MatchExplanation } from "@bookstore/proto";
import { containsPattern, type SearchFilters } from "./book-search.js";
import type { Queryable } from "./db/database.js";
import { toPgVector } from "./embedders/embedder.js";
import type { SearchQuery } from "./search-query.js";

export interface HybridHit {
  bookId: string;
  title: string;
  author: string;
  /** The fused score scaled to [0, 1]: 1 = first in every ranking. */
  score: number;
  /** Why it matched: words by field, spelling corrections, similar meaning, place in each ranking. */
  match: Omit<MatchExplanation, "bookId">;
}

export interface HybridOptions {
  /** Candidates taken from each ranking before fusion. */
  depth: number;
  /** Reciprocal rank fusion constant: a result's share of a ranking is weight / (k + rank). */
  rrfK: number;
  /** Each ranking's weight in the fusion. */
  weights: { semantic: number; lexical: number; spelling: number };
  /** The lexical ranking ranks only books holding one of the query's rarest terms, up to this many postings. */
  postingsBudget: number;
  /** ts_rank weights of a term in the description (D), genres (C), author (B) and title (A). */
  fieldWeights: [number, number, number, number];
  /** Queries of more words are questions, not names: no spelling ranking for them. */
  spellingMaxWords: number;
  /** Title and author words each query word may be corrected to. */
  correctionsPerWord: number;
}

export const DEFAULT_HYBRID: HybridOptions = {
  depth: 40,
  rrfK: 20,
  weights: { semantic: 1, lexical: 1, spelling: 1 },
  postingsBudget: 500,
  fieldWeights: [0.5, 0.5, 0.7, 1],
  spellingMaxWords: 4,
  correctionsPerWord: 3,
};

interface Row {
  bookId: string;
  title: string;
  author: string;
  fused: number;
  lexicalRank: number;
  semanticRank: number;
  spellingRank: number;
  /** "field:word" */
  words: string[];
  spelling: string[];
}

// Parameters: $1 query vector ('' = no semantic ranking), $2 required phrases, $3 excluded words,
// $4 plain words, $5 spelling words (empty = no spelling ranking), $6 genre, $7 author pattern,
// $8 min price, $9 max price, $10 excluded ids, $11 depth, $12 RRF k, $13 limit, $14 postings
// budget, $15 field weights, $16-$18 ranking weights, $19 corrections per word.
const FILTERS = `($6::text = '' OR $6::text = ANY (b.genres))
  AND ($7::text = '' OR lower(b.author) LIKE $7::text)
  AND b.price_cents >= $8::int AND ($9::int = 0 OR b.price_cents <= $9::int)
  AND NOT (b.book_id = ANY ($10::text[]))
  AND ($2::text = '' OR b.document @@ websearch_to_tsquery('bookstore_english', $2::text))
  AND ($3::text = '' OR NOT b.document @@ websearch_to_tsquery('bookstore_english', $3::text))`;

/** Nearest by meaning: pgvector's HNSW index, filtered inside the scan. */
const SEMANTIC = `semantic AS MATERIALIZED (
  SELECT b.book_id, b.catalog_rank, -(e.embedding <=> nullif($1::text, '')::vector) AS key
  FROM book_embeddings e JOIN books b ON b.book_id = e.book_id
  WHERE $1::text <> '' AND ${FILTERS}
  ORDER BY e.embedding <=> nullif($1::text, '')::vector LIMIT $11::int
)`;

/**
 * Full text: ts_rank of the query's terms (field weights, saturating term frequency). Only books
 * holding one of the query's rarest terms are ranked: terms are taken rarest first while their
 * postings add up to the budget (at least the rarest one), so common words ("man", "life") cost
 * nothing on a large catalog; they still count in the rank of the books found.
 */
const LEXICAL = `terms AS MATERIALIZED (
  SELECT x.lexeme, quote_literal(x.lexeme)::tsquery AS query,
    sum(l.documents) OVER (ORDER BY l.documents, x.lexeme) AS postings
  FROM unnest(tsvector_to_array(to_tsvector('bookstore_english', $4::text))) AS x(lexeme)
  JOIN book_lexemes l ON l.lexeme = x.lexeme
), lexical AS MATERIALIZED (
  SELECT b.book_id, b.catalog_rank,
    ts_rank($15::float4[], b.document, (SELECT tsquery_union(query) FROM terms)) AS key
  FROM books b
  WHERE b.document @@ (SELECT tsquery_union(query) FROM terms
                       WHERE postings <= $14::int OR postings = (SELECT min(postings) FROM terms))
    AND ${FILTERS}
  ORDER BY key DESC, b.catalog_rank LIMIT $11::int
)`;

/**
 * Spelling, for short queries (names): each query word is corrected to the closest title and author
 * words (candidates by trigram similarity through the index, nearest by edit distance; words it
 * begins count too: "poter" → potter, "hob" → hobbit). A book's title or author must hold a
 * correction of every query word that has one. Words over 64 letters are no names (and
 * levenshtein() refuses more than 255).
 */
const SPELLING = `corrections AS MATERIALIZED (
  SELECT t.typed, c.word FROM (SELECT DISTINCT w AS typed FROM unnest($5::text[]) AS x,
                      regexp_split_to_table(bookstore_key(x), ' ') AS w
                      WHERE w <> '' AND length(w) <= 64) AS t
  CROSS JOIN LATERAL (
    SELECT w.word FROM book_words w
    WHERE w.word % t.typed OR (length(t.typed) >= 3 AND w.word >= t.typed AND w.word < t.typed || chr(1114111))
    ORDER BY least(levenshtein(w.word, t.typed), levenshtein(left(w.word, length(t.typed)), t.typed) + 1),
      similarity(w.word, t.typed) DESC, w.books DESC, w.word
    LIMIT $19::int
  ) AS c
), spelling_query AS (
  SELECT tsquery_intersection(alternatives) AS query FROM (
    SELECT c.typed, tsquery_union(to_tsquery('bookstore_english', quote_literal(x.lexeme) || ':AB')) AS alternatives
    FROM corrections c, unnest(tsvector_to_array(to_tsvector('bookstore_english', c.word))) AS x(lexeme)
    GROUP BY c.typed
  ) AS per_word
), spelling AS MATERIALIZED (
  SELECT b.book_id, b.catalog_rank, ts_rank('{0, 0, 1, 1}', b.document, (SELECT query FROM spelling_query)) AS key
  FROM books b
  WHERE b.document @@ (SELECT query FROM spelling_query) AND ${FILTERS}
  ORDER BY key DESC, b.catalog_rank LIMIT $11::int
)`;

/**
 * The words of a result's fields that match a query term (same lexeme) or a spelling correction,
 * as "field:word". A word is stemmed only when its first three letters are those of a query term
 * (a stem begins like its word), which spares most of a description's words.
 */
const EXPLANATION = `LEFT JOIN LATERAL (
  SELECT coalesce(array_agg(DISTINCT v.field || ':' || v.word) FILTER (WHERE v.term), '{}') AS words,
    coalesce(array_agg(DISTINCT v.field || ':' || v.word) FILTER (WHERE v.corrected), '{}') AS spelling
  FROM (
    SELECT t.field, x.word,
      left(lower(x.word), 3) = ANY (ARRAY(SELECT left(lexeme, 3) FROM terms))
        AND to_tsvector('bookstore_english', x.word) @@ (SELECT tsquery_union(query) FROM terms) AS term,
      f.spelling_rank > 0 AND t.field IN ('title', 'author')
        AND bookstore_key(x.word) IN (SELECT word FROM corrections) AS corrected
    FROM (VALUES ('title', b.title), ('author', b.author), ('genres', array_to_string(b.genres, ' ')),
                 ('description', b.description)) AS t(field, text),
      regexp_split_to_table(t.text, '[[:space:][:punct:]]+') AS x(word)
    WHERE x.word <> ''
  ) AS v
) AS m ON true`;

const HYBRID_SQL = `
WITH ${SEMANTIC}, ${LEXICAL}, ${SPELLING}, ranked AS (
  SELECT book_id, row_number() OVER (ORDER BY key DESC, catalog_rank) AS rank, 1 AS ranking, $16::float8 AS weight
    FROM semantic
  UNION ALL SELECT book_id, row_number() OVER (ORDER BY key DESC, catalog_rank), 2, $17::float8 FROM lexical
  UNION ALL SELECT book_id, row_number() OVER (ORDER BY key DESC, catalog_rank), 3, $18::float8 FROM spelling
), fused AS (
  SELECT book_id, sum(weight / ($12::int + rank)) AS fused, min(rank) AS best_rank,
    coalesce(max(rank) FILTER (WHERE ranking = 1), 0)::int AS semantic_rank,
    coalesce(max(rank) FILTER (WHERE ranking = 2), 0)::int AS lexical_rank,
    coalesce(max(rank) FILTER (WHERE ranking = 3), 0)::int AS spelling_rank
  FROM ranked GROUP BY book_id
  ORDER BY fused DESC, best_rank, book_id LIMIT $13::int
)
SELECT b.book_id AS "bookId", b.title, b.author, f.fused::float8 AS fused,
  f.lexical_rank AS "lexicalRank", f.semantic_rank AS "semanticRank", f.spelling_rank AS "spellingRank",
  m.words, m.spelling
FROM fused f JOIN books b ON b.book_id = f.book_id ${EXPLANATION}
ORDER BY f.fused DESC, f.best_rank, b.book_id`;

/**
 * One statement: the books nearest in meaning (pgvector HNSW), the best full-text matches and the
 * titles and authors closest in spelling, each under the same filters, fused by reciprocal rank.
 */
export async function hybridSearch(
  db: Queryable,
  query: SearchQuery,
  vector: Float32Array | undefined,
  limit: number,
  filters: SearchFilters = {},
  exclude: readonly string[] = [],
  options: HybridOptions = DEFAULT_HYBRID,
): Promise<HybridHit[]> {
  const { weights } = options;
  const rows = await db.query<Row>(HYBRID_SQL, [
    vector && hasLength(vector) ? toPgVector(vector) : "",
    query.required,
    query.excluded,
    query.plain,
    query.words.length <= options.spellingMaxWords ? query.words : [],
    filters.genre ?? "",
    filters.author ? containsPattern(filters.author) : "",
    filters.minPriceCents ?? 0,
    filters.maxPriceCents ?? 0,
    [...exclude],
    options.depth,
    options.rrfK,
    limit,
    options.postingsBudget,
    options.fieldWeights,
    weights.semantic,
    weights.lexical,
    weights.spelling,
    options.correctionsPerWord,
  ]);
  const best = (weights.semantic + weights.lexical + weights.spelling) / (options.rrfK + 1);
  return rows.map((r) => ({
    bookId: r.bookId,
    title: r.title,
    author: r.author,
    score: Math.min(1, r.fused / best),
    match: explain(r),
  }));
}

const FIELDS = ["title", "author", "genres", "description"];

/** "field:word" pairs to words by field, in field order, each field once. */
function byField(pairs: readonly string[]): FieldWords[] {
  const words = new Map<string, string[]>();
  for (const pair of pairs) {
    const colon = pair.indexOf(":");
    const field = pair.slice(0, colon);
    words.set(field, [...(words.get(field) ?? []), pair.slice(colon + 1)]);
  }
  return FIELDS.filter((f) => words.has(f)).map((field) => ({ field, words: words.get(field) ?? [] }));
}

function explain(r: Row): HybridHit["match"] {
  return {
    words: byField(r.words),
    spelling: byField(r.spelling),
    similarMeaning: r.semanticRank > 0,
    lexicalRank: r.lexicalRank,
    semanticRank: r.semanticRank,
    spellingRank: r.spellingRank,
  };
}

/** A zero vector (a query of stop words only) has no direction: cosine distance is undefined. */
function hasLength(vector: Float32Array): boolean {
  return vector.some((x) => x !== 0);
}
