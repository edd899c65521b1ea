import { containsPattern, type SearchFilters } from "./book-search.js";
import type { Queryable } from "./db/database.js";
import { toPgVector } from "./embedders/embedder.js";
import type { SearchQuery } from "./search-query.js";

/** Why a result matched, for the storefront to say so and highlight the words. */
export interface MatchExplanation {
  /** The book's own words that match a query word (stemmed, accents folded), by field. */
  words: FieldWords[];
  /** Title and author words that a misspelled or partial query word was taken to mean. */
  spelling: FieldWords[];
  /** Among the books nearest in meaning (the vector ranking). */
  similarMeaning: boolean;
  /** 1-based place in each ranking; 0 = not in it. */
  lexicalRank: number;
  semanticRank: number;
  spellingRank: number;
}

export interface FieldWords {
  field: "title" | "author" | "genres" | "description";
  words: string[];
}

export interface HybridHit {
  bookId: string;
  title: string;
  author: string;
  /** The fused score scaled to [0, 1]: 1 = first in every ranking. */
  score: number;
  match: MatchExplanation;
}

export interface HybridOptions {
  /** Candidates taken from each ranking before fusion. */
  depth: number;
  /** Reciprocal rank fusion constant: a result's share of a ranking is weight / (k + rank). */
  rrfK: number;
  /** Each ranking's weight in the fusion. */
  weights: { semantic: number; lexical: number; spelling: number };
  /** The lexical ranking scores only books holding one of the query's rarest terms, up to this many postings. */
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
  postingsBudget: 2000,
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
  titleWords: string[];
  authorWords: string[];
  genreWords: string[];
  descriptionWords: string[];
  titleSpelling: string[];
  authorSpelling: string[];
}

// Parameters: $1 query vector ('' = no semantic ranking), $2 anyOf, $3 required, $4 excluded,
// $5 plain, $6 spelling words (empty = no spelling ranking), $7 genre, $8 author pattern,
// $9 min price, $10 max price, $11 excluded ids, $12 depth, $13 RRF k, $14 limit, $15 postings
// budget, $16 field weights, $17-$19 ranking weights, $20 corrections per word.
const FILTERS = `($7::text = '' OR $7::text = ANY (b.genres))
  AND ($8::text = '' OR lower(b.author) LIKE $8::text)
  AND b.price_cents >= $9::int AND ($10::int = 0 OR b.price_cents <= $10::int)
  AND NOT (b.book_id = ANY ($11::text[]))
  AND ($3::text = '' OR b.document @@ websearch_to_tsquery('bookstore_english', $3::text))
  AND ($4::text = '' OR NOT b.document @@ websearch_to_tsquery('bookstore_english', $4::text))`;

/** Nearest by meaning: pgvector's HNSW index, filtered inside the scan. */
const SEMANTIC = `semantic AS MATERIALIZED (
  SELECT b.book_id, b.catalog_rank, -(e.embedding <=> nullif($1::text, '')::vector) AS key
  FROM book_embeddings e JOIN books b ON b.book_id = e.book_id
  WHERE $1::text <> '' AND ${FILTERS}
  ORDER BY e.embedding <=> nullif($1::text, '')::vector LIMIT $12::int
)`;

/**
 * Full text, BM25-like: each query term weighs its inverse document frequency times ts_rank (field
 * weight, saturating term frequency). Only books holding one of the rarest terms (up to a budget
 * of postings, and at least the rarest term) are scored, so common words cost nothing at scale.
 */
const LEXICAL = `terms AS MATERIALIZED (
  SELECT quote_literal(x.lexeme)::tsquery AS query,
    ln(1 + (l.corpus - l.documents + 0.5) / (l.documents + 0.5)) AS idf,
    sum(l.documents) OVER (ORDER BY l.documents, x.lexeme) AS postings
  FROM unnest(tsvector_to_array(to_tsvector('bookstore_english', $5::text))) AS x(lexeme)
  JOIN book_lexemes l ON l.lexeme = x.lexeme
), lexical AS MATERIALIZED (
  SELECT b.book_id, b.catalog_rank, sum(t.idf * ts_rank($16::float4[], b.document, t.query)) AS key
  FROM books b CROSS JOIN terms t
  WHERE b.document @@ (SELECT tsquery_union(query) FROM terms
                       WHERE postings <= $15::int OR postings = (SELECT min(postings) FROM terms))
    AND ${FILTERS}
  GROUP BY b.book_id, b.catalog_rank
  ORDER BY key DESC, b.catalog_rank LIMIT $12::int
)`;

/**
 * Spelling: each short query's word is corrected to the closest title and author words (pg_trgm
 * similarity, or words it begins: "poter" → potter, "hob" → hobbit); books are ranked by how many
 * corrected words their title or author hold.
 */
const SPELLING = `corrections AS MATERIALIZED (
  SELECT c.word FROM (SELECT DISTINCT w AS typed FROM unnest($6::text[]) AS x,
                      regexp_split_to_table(bookstore_key(x), ' ') AS w WHERE w <> '') AS t
  CROSS JOIN LATERAL (
    SELECT w.word FROM book_words w
    WHERE w.word % t.typed OR (length(t.typed) >= 3 AND w.word >= t.typed AND w.word < t.typed || chr(1114111))
    ORDER BY least(levenshtein(w.word, t.typed), levenshtein(left(w.word, length(t.typed)), t.typed) + 1),
      similarity(w.word, t.typed) DESC, w.books DESC, w.word
    LIMIT $20::int
  ) AS c
), spelling_query AS (
  SELECT tsquery_union(to_tsquery('bookstore_english', quote_literal(x.lexeme) || ':AB')) AS query
  FROM corrections c, unnest(tsvector_to_array(to_tsvector('bookstore_english', c.word))) AS x(lexeme)
), spelling AS MATERIALIZED (
  SELECT b.book_id, b.catalog_rank, ts_rank('{0, 0, 1, 1}', b.document, (SELECT query FROM spelling_query)) AS key
  FROM books b
  WHERE b.document @@ (SELECT query FROM spelling_query) AND ${FILTERS}
  ORDER BY key DESC, b.catalog_rank LIMIT $12::int
)`;

const WORDS_OF = (column: string, test: string) =>
  `ARRAY(SELECT DISTINCT w FROM regexp_split_to_table(${column}, '[[:space:][:punct:]]+') AS w
         WHERE w <> '' AND ${test})`;
const MATCHES_QUERY = `to_tsvector('bookstore_english', w) @@ websearch_to_tsquery('bookstore_english', $2::text)`;
const CORRECTED = `bookstore_key(w) IN (SELECT word FROM corrections)`;

const HYBRID_SQL = `
WITH ${SEMANTIC}, ${LEXICAL}, ${SPELLING}, ranked AS (
  SELECT book_id, row_number() OVER (ORDER BY key DESC, catalog_rank) AS rank, 1 AS ranking, $17::float8 AS weight
    FROM semantic
  UNION ALL SELECT book_id, row_number() OVER (ORDER BY key DESC, catalog_rank), 2, $18::float8 FROM lexical
  UNION ALL SELECT book_id, row_number() OVER (ORDER BY key DESC, catalog_rank), 3, $19::float8 FROM spelling
), fused AS (
  SELECT book_id, sum(weight / ($13::int + rank)) AS fused,
    coalesce(max(rank) FILTER (WHERE ranking = 1), 0)::int AS semantic_rank,
    coalesce(max(rank) FILTER (WHERE ranking = 2), 0)::int AS lexical_rank,
    coalesce(max(rank) FILTER (WHERE ranking = 3), 0)::int AS spelling_rank
  FROM ranked GROUP BY book_id
  ORDER BY fused DESC, min(rank), book_id LIMIT $14::int
)
SELECT b.book_id AS "bookId", b.title, b.author, f.fused::float8 AS fused,
  f.lexical_rank AS "lexicalRank", f.semantic_rank AS "semanticRank", f.spelling_rank AS "spellingRank",
  ${WORDS_OF("b.title", MATCHES_QUERY)} AS "titleWords",
  ${WORDS_OF("b.author", MATCHES_QUERY)} AS "authorWords",
  ${WORDS_OF("array_to_string(b.genres, ' ')", MATCHES_QUERY)} AS "genreWords",
  ${WORDS_OF("b.description", MATCHES_QUERY)} AS "descriptionWords",
  CASE WHEN f.spelling_rank > 0 THEN ${WORDS_OF("b.title", CORRECTED)} ELSE '{}' END AS "titleSpelling",
  CASE WHEN f.spelling_rank > 0 THEN ${WORDS_OF("b.author", CORRECTED)} ELSE '{}' END AS "authorSpelling"
FROM fused f JOIN books b ON b.book_id = f.book_id
ORDER BY f.fused DESC, b.book_id`;

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
    query.anyOf,
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

function explain(r: Row): MatchExplanation {
  const fields = (pairs: [FieldWords["field"], string[]][]): FieldWords[] =>
    pairs.filter(([, words]) => words.length > 0).map(([field, words]) => ({ field, words }));
  return {
    words: fields([
      ["title", r.titleWords],
      ["author", r.authorWords],
      ["genres", r.genreWords],
      ["description", r.descriptionWords],
    ]),
    spelling: fields([
      ["title", r.titleSpelling],
      ["author", r.authorSpelling],
    ]),
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
