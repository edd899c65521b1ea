// GET /api/catalog/facets: the genres and authors of the catalog with how many books each has,
// for the storefront's filters. From the catalog file the orchestrator prices orders with (the
// same file the suggestions service indexes), counted once at start-up.
import type { Catalog } from "@bookstore/catalog";
import type { FastifyInstance } from "fastify";

export interface Facet {
  name: string;
  count: number;
}

/** Each name with its number of books, most books first, then by name. */
function countBy(names: string[]): Facet[] {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

export function catalogFacets(catalog: Catalog): { genres: Facet[]; authors: Facet[] } {
  return {
    genres: countBy(catalog.books.flatMap((b) => b.genres)),
    authors: countBy(catalog.books.map((b) => b.author)),
  };
}

const facetList = {
  type: "array",
  items: {
    type: "object",
    required: ["name", "count"],
    properties: { name: { type: "string" }, count: { type: "integer" } },
  },
} as const;

export function registerCatalogFacetRoutes(app: FastifyInstance, catalog: Catalog): void {
  const facets = catalogFacets(catalog);
  app.get(
    "/api/catalog/facets",
    {
      schema: {
        tags: ["books"],
        summary: "Genres and authors with their number of books",
        response: {
          200: {
            type: "object",
            required: ["genres", "authors"],
            properties: { genres: facetList, authors: facetList },
          },
        },
      },
    },
    async (_request, reply) => reply.header("cache-control", "public, max-age=300").send(facets),
  );
}
