-- Lexical search beside the vectors (docs/suggestions.md, "Hybrid search"): a weighted full-text
-- document per book (title > author > genres > description) with document frequencies,
-- the words of titles and authors for spelling correction (pg_trgm), and word-start keys of
-- titles and authors for search as you type.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- English stemming after accents are folded: "Misérables" and "miserables" meet.
CREATE TEXT SEARCH CONFIGURATION bookstore_english (COPY = english);
ALTER TEXT SEARCH CONFIGURATION bookstore_english
  ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, english_stem;

-- Lower case, accents folded, punctuation runs as one space: "Gödel, Escher" → "godel escher".
-- unaccent() is only STABLE because it finds its dictionary by name; with the dictionary named
-- explicitly the result depends on the text alone, as an index or a generated column needs.
CREATE FUNCTION bookstore_key(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, $1)),
                                    '[[:space:][:punct:]]+', ' ', 'g')) $$;

CREATE FUNCTION bookstore_document(title text, author text, genres text[], description text)
  RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
    SELECT setweight(to_tsvector('public.bookstore_english', title), 'A')
        || setweight(to_tsvector('public.bookstore_english', author), 'B')
        || setweight(to_tsvector('public.bookstore_english',
             replace(array_to_string(genres, ' '), '-', ' ')), 'C')
        || setweight(to_tsvector('public.bookstore_english', description), 'D')
  $$;

-- OR and AND of tsqueries as aggregates: a query's terms are gathered row by row.
CREATE AGGREGATE tsquery_union(tsquery) (SFUNC = tsquery_or, STYPE = tsquery);
CREATE AGGREGATE tsquery_intersection(tsquery) (SFUNC = tsquery_and, STYPE = tsquery);

ALTER TABLE books ADD COLUMN document tsvector
  GENERATED ALWAYS AS (bookstore_document(title, author, genres, description)) STORED;
CREATE INDEX books_document_idx ON books USING gin (document);

-- The views below are derived from the books; the indexer refreshes them when the catalog
-- changed. A view is refreshed with a search_path of pg_catalog only, so they name the schema.

-- How many books hold each lexeme: the lexical ranking starts from the query's rarest terms.
CREATE MATERIALIZED VIEW book_lexemes AS
  SELECT word AS lexeme, ndoc AS documents FROM ts_stat('SELECT document FROM public.books');
CREATE UNIQUE INDEX book_lexemes_lexeme_idx ON book_lexemes (lexeme);

-- The words of titles and authors. A misspelled query word is corrected to the closest of these
-- (candidates by trigram similarity through the index, ranked by edit distance); matching a few
-- thousand words scales where matching every title does not.
CREATE MATERIALIZED VIEW book_words AS
  SELECT word COLLATE "C" AS word, count(*)::int AS books
  FROM public.books,
    regexp_split_to_table(public.bookstore_key(title || ' ' || author), ' ') AS word
  WHERE word <> ''
  GROUP BY word;
CREATE UNIQUE INDEX book_words_word_idx ON book_words (word);
CREATE INDEX book_words_trgm_idx ON book_words USING gin (word gin_trgm_ops);

-- Search as you type: every title and author from each of its words on ("the hobbit",
-- "hobbit"), so that a prefix is one range scan of the index, whatever the catalog's size.
CREATE MATERIALIZED VIEW search_keys AS
  WITH titles AS (
    SELECT book_id, title AS text, catalog_rank, 1 AS books,
      regexp_split_to_array(public.bookstore_key(title), ' ') AS words
    FROM public.books
  ), authors AS (
    SELECT '' AS book_id, author AS text, min(catalog_rank) AS catalog_rank, count(*)::int AS books,
      regexp_split_to_array(public.bookstore_key(author), ' ') AS words
    FROM public.books GROUP BY author
  )
  SELECT array_to_string(x.words[i:], ' ') COLLATE "C" AS key, x.kind, x.text, x.book_id,
    i - 1 AS position, x.books, x.catalog_rank
  FROM (SELECT 'title' AS kind, * FROM titles UNION ALL SELECT 'author', * FROM authors) AS x,
    generate_subscripts(x.words, 1) AS i
  WHERE x.words[i] <> '';
CREATE INDEX search_keys_key_idx ON search_keys (key);
