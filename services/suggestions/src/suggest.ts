import type { Queryable } from "./db/database.js";

export interface Suggestion {
  kind: "title" | "author";
  /** The title or the author's name as the catalog writes it. */
  text: string;
  /** The book, for a title; "" for an author. */
  bookId: string;
  /** "prefix": the text starts with what was typed; "word": one of its words does; "spelling": the typed words, corrected, do. */
  match: "prefix" | "word" | "spelling";
  /** Books by the author (1 for a title). */
  books: number;
}

/** Keys read per lookup before ranking: a bounded range scan, whatever the catalog's size. */
const CANDIDATES = 64;

// $1 typed text, $2 limit, $3 candidates. Typed text and keys are folded alike (bookstore_key).
// The last typed word may be unfinished: it is corrected only when no title or author word begins
// with it. The corrected text is looked up only when what was typed finds fewer than $2. Words
// over 64 letters are not corrected (levenshtein() refuses more than 255).
const SUGGEST_SQL = `
WITH words AS (
  SELECT x.word, x.place, x.place = max(x.place) OVER () AS last
  FROM regexp_split_to_table(bookstore_key($1::text), ' ') WITH ORDINALITY AS x(word, place)
  WHERE x.word <> ''
), corrected AS (
  SELECT string_agg(coalesce(c.word, words.word), ' ' ORDER BY words.place) AS text
  FROM words LEFT JOIN LATERAL (
    SELECT w.word FROM book_words w
    WHERE length(words.word) <= 64 AND w.word % words.word
      AND NOT (words.last AND EXISTS (SELECT 1 FROM book_words p
        WHERE p.word >= words.word AND p.word < words.word || chr(1114111)))
    ORDER BY levenshtein(w.word, words.word), similarity(w.word, words.word) DESC, w.books DESC, w.word
    LIMIT 1
  ) AS c ON true
), exact AS (
  SELECT k.*, 0 AS tier FROM search_keys k
  WHERE bookstore_key($1::text) <> ''
    AND k.key >= bookstore_key($1::text) AND k.key < bookstore_key($1::text) || chr(1114111)
  ORDER BY k.key LIMIT $3::int
), fuzzy AS (
  SELECT k.*, 1 AS tier FROM search_keys k
  WHERE (SELECT count(*) FROM exact) < $2::int
    AND (SELECT text FROM corrected) <> bookstore_key($1::text)
    AND k.key >= (SELECT text FROM corrected) AND k.key < (SELECT text FROM corrected) || chr(1114111)
  ORDER BY k.key LIMIT $3::int
), best AS (
  SELECT DISTINCT ON (kind, text, book_id) kind, text, book_id, tier, position, books, catalog_rank
  FROM (SELECT * FROM exact UNION ALL SELECT * FROM fuzzy) AS hits
  ORDER BY kind, text, book_id, tier, position
)
SELECT kind, text, book_id AS "bookId", books,
  CASE WHEN tier = 1 THEN 'spelling' WHEN position = 0 THEN 'prefix' ELSE 'word' END AS match
FROM best
ORDER BY tier, position = 0 DESC, books DESC, catalog_rank, text, book_id
LIMIT $2::int`;

/** Titles and authors for what has been typed so far, best first: search as you type. */
export async function suggest(db: Queryable, typed: string, limit: number): Promise<Suggestion[]> {
  return db.query<Suggestion>(SUGGEST_SQL, [typed, limit, Math.max(CANDIDATES, limit * 4)]);
}
