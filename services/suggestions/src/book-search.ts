import type { Database } from "./db/database.js";
import { fromPgVector, normalize, toPgVector } from "./embedders/embedder.js";
import { type HybridHit, hybridSearch } from "./hybrid-search.js";
import type { SearchQuery } from "./search-query.js";
import { type Suggestion, suggest } from "./suggest.js";

export interface ScoredBook {
  bookId: string;
  title: string;
  author: string;
  /** Cosine similarity, clamped to [0, 1]. */
  score: number;
}

export interface BookRow {
  bookId: string;
  title: string;
  author: string;
  year: number;
  genres: string[];
  description: string;
  priceCents: number;
}

export interface SearchFilters {
  genre?: string;
  /** Case-insensitive substring of the author's name. */
  author?: string;
  minPriceCents?: number;
  /** 0 or undefined = no upper bound. */
  maxPriceCents?: number;
}

export type RecommendBasis = "history+cart" | "history" | "cart" | "popular";

/** Weight of the cart against the purchase history in a personalised profile. */
const CART_WEIGHT = 0.6;

/** The books of one completed order, for recommendations. */
export interface Purchase {
  customerId: string;
  orderId: string;
  bookIds: readonly string[];
}

/** How many answers of like() are kept (a popular cart is asked for often). */
const LIKE_MEMO_SIZE = 10_000;

/** Rows to scored books, most similar first (the iterative scan may return them slightly out of order). */
function scored(rows: { bookId: string; title: string; author: string; distance: number }[]): ScoredBook[] {
  return rows
    .map((r) => ({
      bookId: r.bookId,
      title: r.title,
      author: r.author,
      score: Math.min(1, Math.max(0, 1 - Number(r.distance))),
    }))
    .sort((a, b) => b.score - a.score);
}

/** LIKE pattern for a substring, with the user's % _ and \ taken literally. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const bookColumns = `b.book_id AS "bookId", b.title, b.author, b.year, b.genres, b.description,
  b.price_cents AS "priceCents"`;

/**
 * The catalog's queries: hybrid search and suggestions as you type, and nearest-neighbour queries
 * over book_embeddings (HNSW, cosine distance) for "more like this" and recommendations. Every
 * value is a bound parameter; filters are applied inside the index scan (pgvector's iterative scan
 * keeps fetching candidates until `limit` rows pass them).
 */
export class BookSearch {
  private readonly likeMemo = new Map<string, ScoredBook[]>();

  constructor(private readonly db: Database) {}

  /** The `limit` books nearest to `vector` that pass the filters and are not in `exclude`. */
  async nearest(
    vector: Float32Array,
    limit: number,
    filters: SearchFilters = {},
    exclude: readonly string[] = [],
  ): Promise<ScoredBook[]> {
    const rows = await this.db.query<{ bookId: string; title: string; author: string; distance: number }>(
      `SELECT b.book_id AS "bookId", b.title, b.author, e.embedding <=> $1::vector AS distance
       FROM book_embeddings e JOIN books b ON b.book_id = e.book_id
       WHERE ($2::text = '' OR $2::text = ANY (b.genres))
         AND ($3::text = '' OR lower(b.author) LIKE $3::text)
         AND b.price_cents >= $4::int
         AND ($5::int = 0 OR b.price_cents <= $5::int)
         AND NOT (b.book_id = ANY ($6::text[]))
       ORDER BY e.embedding <=> $1::vector
       LIMIT $7::int`,
      [
        toPgVector(vector),
        filters.genre ?? "",
        filters.author ? containsPattern(filters.author) : "",
        filters.minPriceCents ?? 0,
        filters.maxPriceCents ?? 0,
        [...exclude],
        limit,
      ],
    );
    return scored(rows);
  }

  /** Full text, meaning and spelling fused (hybrid-search.ts): what the search box answers. */
  search(
    query: SearchQuery,
    vector: Float32Array,
    limit: number,
    filters: SearchFilters = {},
  ): Promise<HybridHit[]> {
    return hybridSearch(this.db, query, vector, limit, filters);
  }

  /** Titles and authors for what has been typed so far (suggest.ts). */
  suggest(typed: string, limit: number): Promise<Suggestion[]> {
    return suggest(this.db, typed, limit);
  }

  /** Stored embeddings of the given books (unknown ids are absent from the map). */
  async vectorsOf(bookIds: readonly string[]): Promise<Map<string, Float32Array>> {
    if (bookIds.length === 0) return new Map();
    const rows = await this.db.query<{ book_id: string; embedding: string }>(
      "SELECT book_id, embedding::text AS embedding FROM book_embeddings WHERE book_id = ANY ($1::text[])",
      [[...bookIds]],
    );
    return new Map(rows.map((r) => [r.book_id, fromPgVector(r.embedding)]));
  }

  /**
   * Books like these, excluding them: nearest to their centroid. One statement: the centroid is
   * averaged in Postgres (cosine distance ignores the query's length, so no normalising), and
   * answers are memoised per set of books (the engine builds its BookSearch after start-up indexing, and embeddings do not change after).
   */
  async like(bookIds: readonly string[], limit: number): Promise<ScoredBook[]> {
    const ids = [...new Set(bookIds)].sort();
    if (ids.length === 0) return [];
    const key = `${limit}|${ids.join("\u0000")}`;
    const known = this.likeMemo.get(key);
    if (known) {
      // Refresh recency: Map iteration order is insertion order.
      this.likeMemo.delete(key);
      this.likeMemo.set(key, known);
      return known;
    }
    const rows = await this.db.query<{ bookId: string; title: string; author: string; distance: number }>(
      `WITH centroid AS (SELECT avg(embedding) AS v FROM book_embeddings WHERE book_id = ANY ($1::text[]))
       SELECT b.book_id AS "bookId", b.title, b.author, e.embedding <=> (SELECT v FROM centroid) AS distance
       FROM book_embeddings e JOIN books b ON b.book_id = e.book_id
       WHERE (SELECT v FROM centroid) IS NOT NULL AND NOT (b.book_id = ANY ($1::text[]))
       ORDER BY e.embedding <=> (SELECT v FROM centroid)
       LIMIT $2::int`,
      [ids, limit],
    );
    const books = scored(rows);
    this.likeMemo.set(key, books);
    if (this.likeMemo.size > LIKE_MEMO_SIZE) {
      const oldest = this.likeMemo.keys().next().value;
      if (oldest !== undefined) this.likeMemo.delete(oldest);
    }
    return books;
  }

  /**
   * Personalised: the customer's purchases blended with the cart; cart only for a new customer;
   * the most bought books (catalog order on ties) when there is neither.
   */
  async recommend(
    customerId: string,
    cart: readonly string[],
    limit: number,
  ): Promise<{ basis: RecommendBasis; books: ScoredBook[] }> {
    const history = customerId ? await this.purchasedBy(customerId) : [];
    const vectors = await this.vectorsOf([...new Set([...cart, ...history])]);
    const pick = (ids: readonly string[]) =>
      ids.map((id) => vectors.get(id)).filter((v): v is Float32Array => v !== undefined);
    const cartVectors = pick(cart);
    const historyVectors = pick(history);
    const exclude = [...new Set([...cart, ...history])];
    if (cartVectors.length === 0 && historyVectors.length === 0) {
      return { basis: "popular", books: await this.popular(limit, exclude) };
    }
    let profile: Float32Array;
    let basis: RecommendBasis;
    if (historyVectors.length === 0) {
      profile = centroid(cartVectors);
      basis = "cart";
    } else if (cartVectors.length === 0) {
      profile = centroid(historyVectors);
      basis = "history";
    } else {
      profile = blend(centroid(cartVectors), centroid(historyVectors), CART_WEIGHT);
      basis = "history+cart";
    }
    return { basis, books: await this.nearest(profile, limit, {}, exclude) };
  }

  /** Most bought first; ties (and a store with no sales yet) in catalog order. */
  async popular(limit: number, exclude: readonly string[] = []): Promise<ScoredBook[]> {
    const rows = await this.db.query<{ bookId: string; title: string; author: string }>(
      `SELECT b.book_id AS "bookId", b.title, b.author
       FROM books b LEFT JOIN (SELECT book_id, count(*) AS n FROM purchases GROUP BY book_id) p
         ON p.book_id = b.book_id
       WHERE NOT (b.book_id = ANY ($1::text[]))
       ORDER BY coalesce(p.n, 0) DESC, b.catalog_rank
       LIMIT $2::int`,
      [[...exclude], limit],
    );
    return rows.map((r) => ({ ...r, score: 0 }));
  }

  /** The customer's purchased books, most recent first (at most 50). */
  async purchasedBy(customerId: string): Promise<string[]> {
    const rows = await this.db.query<{ book_id: string }>(
      `SELECT book_id FROM purchases WHERE customer_id = $1
       GROUP BY book_id ORDER BY max(purchased_at) DESC LIMIT 50`,
      [customerId],
    );
    return rows.map((r) => r.book_id);
  }

  /**
   * Records completed orders' books, durably, in one statement and one flush; the same order
   * recorded twice changes nothing.
   */
  async recordPurchases(purchases: readonly Purchase[]): Promise<void> {
    const rows = purchases.flatMap((p) =>
      [...new Set(p.bookIds)].map((bookId) => [p.customerId, p.orderId, bookId] as const),
    );
    await this.db.query(
      `INSERT INTO purchases (customer_id, order_id, book_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
    );
    await this.db.flush();
  }

  async knownIds(bookIds: readonly string[]): Promise<Set<string>> {
    if (bookIds.length === 0) return new Set();
    const rows = await this.db.query<{ book_id: string }>(
      "SELECT book_id FROM books WHERE book_id = ANY ($1::text[])",
      [[...bookIds]],
    );
    return new Set(rows.map((r) => r.book_id));
  }

  async getBook(bookId: string): Promise<BookRow | undefined> {
    const rows = await this.db.query<BookRow>(`SELECT ${bookColumns} FROM books b WHERE b.book_id = $1`, [
      bookId,
    ]);
    return rows[0];
  }

  /** A page of the catalog in catalog order, with the total matching the filters. */
  async list(
    page: number,
    limit: number,
    filters: Pick<SearchFilters, "genre" | "author">,
  ): Promise<{ books: BookRow[]; total: number }> {
    const where = `($1::text = '' OR $1::text = ANY (b.genres)) AND ($2::text = '' OR lower(b.author) LIKE $2::text)`;
    const params = [filters.genre ?? "", filters.author ? containsPattern(filters.author) : ""];
    const [books, count] = await Promise.all([
      this.db.query<BookRow>(
        `SELECT ${bookColumns} FROM books b WHERE ${where} ORDER BY b.catalog_rank LIMIT $3::int OFFSET $4::int`,
        [...params, limit, (page - 1) * limit],
      ),
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM books b WHERE ${where}`, params),
    ]);
    return { books, total: count[0]?.n ?? 0 };
  }

  async indexedCount(): Promise<number> {
    const rows = await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM book_embeddings");
    return rows[0]?.n ?? 0;
  }
}

export function centroid(vectors: readonly Float32Array[]): Float32Array {
  const out = new Float32Array((vectors[0] as Float32Array).length);
  for (const v of vectors)
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (v[i] as number);
  return normalize(out);
}

function blend(a: Float32Array, b: Float32Array, weightOfA: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++)
    out[i] = weightOfA * (a[i] as number) + (1 - weightOfA) * (b[i] as number);
  return normalize(out);
}
