import { AppError, type FieldProblem } from "@bookstore/kit";
import type { SearchFilters } from "./book-search.js";

/** Longest accepted search query, in characters. */
export const MAX_QUERY_CHARS = 1000;
export const MAX_LIMIT = 50;
export const DEFAULT_LIMIT = 10;
export const MAX_PAGE_SIZE = 100;
/** Longest accepted text typed into the search box for suggestions. */
export const MAX_PREFIX_CHARS = 200;
export const DEFAULT_SUGGESTIONS = 8;
export const MAX_SUGGESTIONS = 20;
const MAX_ID_CHARS = 128;

/** Collects every problem of a request, then throws them together as INVALID_ARGUMENT. */
export class Problems {
  private readonly list: FieldProblem[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw AppError.invalid(this.list);
  }
}

/** limit: 0 means the default; otherwise 1..max. */
export function checkLimit(problems: Problems, limit: number, max = MAX_LIMIT, field = "limit"): number {
  if (limit === 0) return Math.min(DEFAULT_LIMIT, max);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    problems.add(field, `${field} must be between 1 and ${max} (got ${limit})`);
  }
  return limit;
}

export function checkQuery(problems: Problems, query: string): string {
  const trimmed = query.trim();
  if (trimmed.length === 0) problems.add("query", "query must not be empty");
  else if (trimmed.length > MAX_QUERY_CHARS) {
    problems.add("query", `query must be at most ${MAX_QUERY_CHARS} characters (got ${trimmed.length})`);
  }
  return trimmed;
}

/** What has been typed so far: empty is fine (no suggestions), too long is not. */
export function checkPrefix(problems: Problems, prefix: string): string {
  if (prefix.length > MAX_PREFIX_CHARS) {
    problems.add("prefix", `prefix must be at most ${MAX_PREFIX_CHARS} characters (got ${prefix.length})`);
  }
  return prefix.trim();
}

export function checkId(problems: Problems, id: string, field: string): string {
  if (id.length === 0) problems.add(field, `${field} is required`);
  else if (id.length > MAX_ID_CHARS)
    problems.add(field, `${field} must be at most ${MAX_ID_CHARS} characters`);
  return id;
}

export function checkFilters(
  problems: Problems,
  filters: { genre: string; author: string; minPriceCents: number; maxPriceCents: number } | undefined,
): SearchFilters {
  if (!filters) return {};
  const { genre, author } = filters;
  const min = Number(filters.minPriceCents);
  const max = Number(filters.maxPriceCents);
  if (genre.length > 64) problems.add("filters.genre", "filters.genre must be at most 64 characters");
  if (author.length > 200) problems.add("filters.author", "filters.author must be at most 200 characters");
  if (min < 0) problems.add("filters.min_price_cents", "filters.min_price_cents must not be negative");
  if (max < 0) problems.add("filters.max_price_cents", "filters.max_price_cents must not be negative");
  if (max > 0 && min > max) {
    problems.add(
      "filters.min_price_cents",
      "filters.min_price_cents must not exceed filters.max_price_cents",
    );
  }
  const tooBig = (v: number) => v > 2_000_000_000;
  if (tooBig(min) || tooBig(max)) problems.add("filters", "price bounds must be below 2,000,000,000 cents");
  return {
    ...(genre ? { genre: genre.trim().toLowerCase() } : {}),
    ...(author.trim() ? { author: author.trim() } : {}),
    minPriceCents: min,
    maxPriceCents: max,
  };
}
