-- Approximate nearest neighbours by cosine distance (the <=> operator).
CREATE INDEX book_embeddings_hnsw ON book_embeddings
  USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
