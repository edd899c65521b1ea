-- Books from the catalog, one embedding per book, and customers' purchases.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE books (
  book_id      text PRIMARY KEY,
  title        text NOT NULL,
  author       text NOT NULL,
  year         integer NOT NULL,
  genres       text[] NOT NULL,
  description  text NOT NULL,
  price_cents  integer NOT NULL,
  -- Position in the catalog: the tie-break of "popular" when nothing has been bought yet.
  catalog_rank integer NOT NULL
);
CREATE INDEX books_genres_idx ON books USING gin (genres);
CREATE INDEX books_author_idx ON books (lower(author));

-- content_hash = sha256(embedder name + embedded text): a changed text or model re-embeds the book.
CREATE TABLE book_embeddings (
  book_id      text PRIMARY KEY REFERENCES books (book_id) ON DELETE CASCADE,
  embedder     text NOT NULL,
  content_hash text NOT NULL,
  embedding    vector(384) NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE purchases (
  customer_id  text NOT NULL,
  order_id     text NOT NULL,
  book_id      text NOT NULL,
  purchased_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, order_id, book_id)
);
CREATE INDEX purchases_book_idx ON purchases (book_id);

-- State an embedder keeps with the index (the offline embedder's frozen vocabulary).
CREATE TABLE embedder_state (
  embedder text PRIMARY KEY,
  state    jsonb NOT NULL
);
