import { callUnary, httpStatusFor, violationsOf } from "@bookstore/kit";
import type { Book, BookSummary, MatchExplanation, SuggestionsServiceClient } from "@bookstore/proto";
import type { ServiceError } from "@grpc/grpc-js";
import type { FastifyInstance, FastifyReply } from "fastify";
import { type Detail, errorBody } from "../http-errors.js";

export interface BookRoutesOptions {
  /** Absent when the suggestions service is not deployed: the routes answer 503. */
  suggestions: SuggestionsServiceClient | undefined;
  deadlineMs: number;
}

type Query = Record<string, string | string[] | undefined>;

const codes: Record<number, string> = {
  400: "INVALID_REQUEST",
  404: "NOT_FOUND",
  429: "TOO_MANY_REQUESTS",
  503: "SERVICE_UNAVAILABLE",
  504: "SERVICE_UNAVAILABLE",
};

function textParam(query: Query, name: string): string {
  const raw = query[name];
  return (Array.isArray(raw) ? raw[0] : raw) ?? "";
}

/** An integer query parameter; 0 (the service's default) when absent. */
function intParam(query: Query, name: string, problems: Detail[]): number {
  const text = textParam(query, name);
  if (text === "") return 0;
  if (!/^-?\d{1,9}$/.test(text)) {
    problems.push({ field: name, message: `${name} must be an integer (got "${text.slice(0, 20)}")` });
    return 0;
  }
  return Number(text);
}

/** A price in currency units, e.g. "12.50", as cents. */
function priceParam(query: Query, name: string, problems: Detail[]): number {
  const text = textParam(query, name);
  if (text === "") return 0;
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(text)) {
    problems.push({
      field: name,
      message: `${name} must be a price like 12.50 (got "${text.slice(0, 20)}")`,
    });
    return 0;
  }
  return Math.round(Number(text) * 100);
}

/** The seed's book shape (id, title, author, genre, ...) plus every genre and the price in cents. */
function bookJson(book: Book) {
  return {
    id: book.bookId,
    title: book.title,
    author: book.author,
    genre: book.genres[0] ?? "",
    genres: book.genres,
    year: book.year,
    description: book.description,
    price: book.priceCents / 100,
    priceCents: book.priceCents,
  };
}

/** A catalog page in the REST shape: the `/api/books` answer, and the front page's first books. */
export function catalogPageJson(result: { books: Book[]; total: number }, page: number, limit: number) {
  return {
    books: result.books.map(bookJson),
    pagination: { total: result.total, page, limit, pages: Math.ceil(result.total / limit) },
  };
}

/** A search result with why it matched (matches[i] explains books[i]). */
function searchHitJson(book: BookSummary, match: MatchExplanation | undefined) {
  return {
    ...book,
    match: {
      words: match?.words ?? [],
      spelling: match?.spelling ?? [],
      similarMeaning: match?.similarMeaning ?? false,
      ranks: {
        lexical: match?.lexicalRank ?? 0,
        semantic: match?.semanticRank ?? 0,
        spelling: match?.spellingRank ?? 0,
      },
    },
  };
}

/** The REST name of a gRPC field (query → q, cart_book_ids[0] → cart[0], filters.min_price_cents → minPrice). */
function fieldName(field: string): string {
  return field
    .replace(/^(query|prefix)$/, "q")
    .replace(/^cart_book_ids/, "cart")
    .replace(/^filters\./, "")
    .replace(/^book_id$/, "id")
    .replace(/_price_cents$/, "Price")
    .replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Catalog routes served by the suggestions service: browse, search, similar and recommendations.
 * gRPC errors map to HTTP through httpStatusFor, in the seed's error shape.
 */
export function registerBookRoutes(app: FastifyInstance, options: BookRoutesOptions): void {
  const { suggestions, deadlineMs } = options;

  /** Sends the 4xx/5xx itself and returns undefined when the call cannot answer. */
  async function call<Req, Res>(
    reply: FastifyReply,
    pick: (client: SuggestionsServiceClient) => Parameters<typeof callUnary<Req, Res>>[1],
    request: Req,
    problems: Detail[] = [],
  ): Promise<Res | undefined> {
    if (problems.length > 0) {
      reply.code(400).send(errorBody("INVALID_REQUEST", problems.map((p) => p.message).join("; "), problems));
      return undefined;
    }
    if (!suggestions) {
      reply.code(503).send(errorBody("SERVICE_UNAVAILABLE", "the suggestions service is not deployed"));
      return undefined;
    }
    try {
      return await callUnary(suggestions, pick(suggestions), request, { deadlineMs, idempotent: true });
    } catch (error) {
      const e = error as ServiceError;
      const status = httpStatusFor(e.code);
      const details = violationsOf(e).map((v) => ({ field: fieldName(v.field), message: v.message }));
      const message =
        status >= 500
          ? `the suggestions service is unavailable: ${e.details ?? e.message}`
          : (e.details ?? "");
      reply.code(status).send(errorBody(codes[status] ?? "INTERNAL_ERROR", message, details));
      return undefined;
    }
  }

  const listing = async (request: { query: unknown }, reply: FastifyReply) => {
    const query = request.query as Query;
    const problems: Detail[] = [];
    const page = textParam(query, "page") === "" ? 1 : intParam(query, "page", problems);
    const limit = textParam(query, "limit") === "" ? 20 : intParam(query, "limit", problems);
    const named = (field: string) => problems.some((p) => p.field === field);
    if (page < 1 && !named("page"))
      problems.push({ field: "page", message: `page must be at least 1 (got ${page})` });
    if ((limit < 1 || limit > 100) && !named("limit")) {
      problems.push({ field: "limit", message: `limit must be between 1 and 100 (got ${limit})` });
    }
    const result = await call(
      reply,
      (c) => c.listBooks,
      { page, limit, genre: textParam(query, "genre"), author: textParam(query, "author") },
      problems,
    );
    if (!result) return reply;
    return catalogPageJson(result, page, limit);
  };
  app.get("/books", { schema: { tags: ["books"], summary: "Seed-compatible catalog page" } }, listing);
  app.get("/api/books", { schema: { tags: ["books"], summary: "Catalog page" } }, listing);

  app.get(
    "/api/books/search",
    {
      schema: {
        tags: ["books"],
        summary: 'Hybrid search: words ("phrases", -excluded), meaning and spelling, fused',
      },
    },
    async (request, reply) => {
      const query = request.query as Query;
      const problems: Detail[] = [];
      const q = textParam(query, "q");
      const limit = intParam(query, "limit", problems);
      const minPriceCents = priceParam(query, "minPrice", problems);
      const maxPriceCents = priceParam(query, "maxPrice", problems);
      const filters = {
        genre: textParam(query, "genre"),
        author: textParam(query, "author"),
        minPriceCents,
        maxPriceCents,
      };
      const result = await call(reply, (c) => c.search, { query: q, limit, filters }, problems);
      if (!result) return reply;
      return {
        query: q.trim(),
        embedder: result.embedder,
        books: result.books.map((book, i) => searchHitJson(book, result.matches[i])),
      };
    },
  );

  app.get(
    "/api/books/suggest",
    { schema: { tags: ["books"], summary: "Search as you type: titles and authors for a prefix" } },
    async (request, reply) => {
      const query = request.query as Query;
      const problems: Detail[] = [];
      const prefix = textParam(query, "q");
      const limit = intParam(query, "limit", problems);
      const result = await call(reply, (c) => c.suggest, { prefix, limit }, problems);
      if (!result) return reply;
      return { query: prefix.trim(), suggestions: result.suggestions };
    },
  );

  app.get("/api/books/:id", { schema: { tags: ["books"], summary: "One book" } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const result = await call(reply, (c) => c.getBook, { bookId: id });
    if (!result?.book) return reply;
    return bookJson(result.book);
  });

  app.get(
    "/api/books/:id/similar",
    { schema: { tags: ["books"], summary: "More like this" } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const problems: Detail[] = [];
      const limit = intParam(request.query as Query, "limit", problems);
      const result = await call(reply, (c) => c.similar, { bookId: id, limit }, problems);
      if (!result) return reply;
      return { bookId: id, books: result.books };
    },
  );

  app.get(
    "/api/recommendations",
    { schema: { tags: ["books"], summary: "Personalised recommendations" } },
    async (request, reply) => {
      const query = request.query as Query;
      const problems: Detail[] = [];
      const limit = intParam(query, "limit", problems);
      const cartBookIds = textParam(query, "cart")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      const customerId = textParam(query, "customerId");
      const result = await call(reply, (c) => c.recommend, { customerId, cartBookIds, limit }, problems);
      if (!result) return reply;
      return { customerId, basis: result.basis, books: result.books };
    },
  );
}
