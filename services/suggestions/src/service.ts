import {
  AppError,
  clearOrder,
  clearOrders,
  eventResult,
  implement,
  initializeOrder,
  recordEvent,
  type ServiceRegistration,
  type UnaryHandlers,
} from "@bookstore/kit";
import { type Book, SuggestionsServiceService } from "@bookstore/proto";
import { OrderStateStore } from "@bookstore/vector-clock";
import type { BookRow, BookSearch } from "./book-search.js";
import type { Embedder } from "./embedders/embedder.js";
import type { EmbeddingQueue } from "./embedders/embedding-queue.js";
import type { HybridHit } from "./hybrid-search.js";
import { recordPurchase, recordPurchases } from "./purchases.js";
import {
  checkFilters,
  checkId,
  checkLimit,
  checkPrefix,
  checkQuery,
  DEFAULT_SUGGESTIONS,
  MAX_PAGE_SIZE,
  MAX_SUGGESTIONS,
  Problems,
} from "./requests.js";
import { isEmptyQuery, parseSearchQuery } from "./search-query.js";

export const PROCESS = "suggestions";

/** What InitializeOrder leaves for event f: the ordered books and who ordered them. */
export interface SuggestionsOrder {
  bookIds: string[];
  customerId: string;
}

export function createSuggestionsStore(ttlMs: number): OrderStateStore<SuggestionsOrder> {
  return new OrderStateStore<SuggestionsOrder>(PROCESS, ttlMs);
}

export interface SuggestionsOptions {
  store: OrderStateStore<SuggestionsOrder>;
  search: BookSearch;
  queue: EmbeddingQueue;
  embedder: Pick<Embedder, "name" | "dimensions">;
  /** Books suggested at checkout (event f). */
  suggestionsPerOrder: number;
}

export type SuggestionsHandlers = UnaryHandlers<typeof SuggestionsServiceService>;

function toBook(row: BookRow): Book {
  return {
    bookId: row.bookId,
    title: row.title,
    author: row.author,
    year: row.year,
    genres: row.genres,
    description: row.description,
    priceCents: row.priceCents,
  };
}

function searchResponse(hits: HybridHit[]) {
  return {
    books: hits.map(({ bookId, title, author, score }) => ({ bookId, title, author, score })),
    matches: hits.map(({ bookId, match }) => ({ bookId, ...match })),
  };
}

/** Event f of the checkout, and the catalog's search, similar, recommend and browse calls. */
export function suggestionsHandlers(options: SuggestionsOptions): SuggestionsHandlers {
  const { store, search, queue, embedder } = options;
  return {
    initializeOrder: (req) =>
      initializeOrder(
        store,
        req.orderId,
        { bookIds: [...new Set(req.lines.map((l) => l.bookId))], customerId: req.customerId },
        req.vectorClock,
      ),
    getSuggestions: async (req) => {
      const { data, clock } = recordEvent(store, req);
      const books = await search.like(data.bookIds, options.suggestionsPerOrder);
      return { result: eventResult([], clock), books };
    },
    clearOrder: (req) => clearOrder(store, req),
    clearOrders: (req) => clearOrders(store, req),

    search: async (req) => {
      const problems = new Problems();
      const query = parseSearchQuery(checkQuery(problems, req.query));
      const limit = checkLimit(problems, req.limit);
      const filters = checkFilters(problems, req.filters);
      problems.throwIfAny();
      // Only punctuation, operators or exclusions: nothing to look for, so nothing found.
      if (isEmptyQuery(query)) return { books: [], matches: [], embedder: embedder.name };
      const hits = await search.search(query, await queue.embed(query.plain), limit, filters);
      return { ...searchResponse(hits), embedder: embedder.name };
    },
    suggest: async (req) => {
      const problems = new Problems();
      const prefix = checkPrefix(problems, req.prefix);
      const limit = req.limit === 0 ? DEFAULT_SUGGESTIONS : checkLimit(problems, req.limit, MAX_SUGGESTIONS);
      problems.throwIfAny();
      return { suggestions: prefix === "" ? [] : await search.suggest(prefix, limit) };
    },
    similar: async (req) => {
      const problems = new Problems();
      const bookId = checkId(problems, req.bookId, "book_id");
      const limit = checkLimit(problems, req.limit);
      problems.throwIfAny();
      const vector = (await search.vectorsOf([bookId])).get(bookId);
      if (!vector) throw AppError.notFound(`no book with id "${bookId}"`);
      return { books: await search.nearest(vector, limit, {}, [bookId]) };
    },
    recommend: async (req) => {
      const problems = new Problems();
      if (req.customerId.length > 128)
        problems.add("customer_id", "customer_id must be at most 128 characters");
      if (req.cartBookIds.length > 100) problems.add("cart_book_ids", "at most 100 books in a cart");
      const limit = checkLimit(problems, req.limit);
      problems.throwIfAny();
      const known = await search.knownIds(req.cartBookIds);
      req.cartBookIds.forEach((id, i) => {
        if (!known.has(id)) problems.add(`cart_book_ids[${i}]`, `no book with id "${id.slice(0, 128)}"`);
      });
      problems.throwIfAny();
      return search.recommend(req.customerId, req.cartBookIds, limit);
    },
    listBooks: async (req) => {
      const problems = new Problems();
      const page = req.page === 0 ? 1 : req.page;
      if (page < 1 || page > 1_000_000)
        problems.add("page", `page must be between 1 and 1000000 (got ${page})`);
      const limit = req.limit === 0 ? 20 : checkLimit(problems, req.limit, MAX_PAGE_SIZE);
      if (req.genre.length > 64) problems.add("genre", "genre must be at most 64 characters");
      if (req.author.length > 200) problems.add("author", "author must be at most 200 characters");
      problems.throwIfAny();
      const { books, total } = await search.list(page, limit, {
        ...(req.genre.trim() ? { genre: req.genre.trim().toLowerCase() } : {}),
        ...(req.author.trim() ? { author: req.author.trim() } : {}),
      });
      return { books: books.map(toBook), total };
    },
    getBook: async (req) => {
      const problems = new Problems();
      const bookId = checkId(problems, req.bookId, "book_id");
      problems.throwIfAny();
      const row = await search.getBook(bookId);
      if (!row) throw AppError.notFound(`no book with id "${bookId}"`);
      return { book: toBook(row) };
    },
    recordPurchase: async (req) => {
      await recordPurchase(search, req);
      return { recorded: true };
    },
    recordPurchases: async (req) => ({ results: await recordPurchases(search, req.purchases) }),
    getIndexStatus: async () => ({
      embedder: embedder.name,
      dimensions: embedder.dimensions,
      indexedBooks: await search.indexedCount(),
    }),
  };
}

export function suggestionsService(
  options: SuggestionsOptions,
  handlers: SuggestionsHandlers = suggestionsHandlers(options),
): ServiceRegistration {
  return {
    name: "bookstore.v1.SuggestionsService",
    definition: SuggestionsServiceService,
    implementation: implement(SuggestionsServiceService, handlers),
  };
}
