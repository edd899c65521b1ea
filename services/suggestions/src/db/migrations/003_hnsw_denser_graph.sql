-- A denser graph (ef_construction 64 -> 200, same m): measured on the 100,000-book benchmark
-- catalog, recall at a given ef_search was too low; build time grows, query cost per hop does not.
DROP INDEX IF EXISTS book_embeddings_hnsw;
CREATE INDEX book_embeddings_hnsw ON book_embeddings
  USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 200);
