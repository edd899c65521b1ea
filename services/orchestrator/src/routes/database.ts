// The seed's database routes, over the db-node cluster: GET /api/database/status,
// GET /api/database/stock/:book, POST /api/database/stock {"books":[...]}. Books are named by title
// (the seed) or by catalog id; stock lives under stock:<book id>. "available" is stock > 0.
import type { Book, Catalog } from "@bookstore/catalog";
import type { DatabaseClient } from "@bookstore/db-client";
import { quote } from "@bookstore/kit";
import type { FastifyInstance, FastifyReply } from "fastify";
import { errorBody } from "../http-errors.js";

export interface DatabaseRoutesOptions {
  catalog: Catalog;
  /** Absent when no db-node cluster is configured: the routes answer 503. */
  db: DatabaseClient | undefined;
}

function resolveBook(catalog: Catalog, ref: string): Book | undefined {
  return catalog.get(ref) ?? catalog.findByTitle(ref);
}

async function stockOf(db: DatabaseClient, book: Book): Promise<{ stock: number; available: boolean }> {
  const r = await db.read(`stock:${book.id}`);
  const stock = r.found ? Number(r.value) : 0;
  return { stock, available: stock > 0 };
}

function unavailable(reply: FastifyReply, error: unknown) {
  return reply
    .code(503)
    .send(errorBody("SERVICE_UNAVAILABLE", `the database is unavailable: ${(error as Error).message}`));
}

export function registerDatabaseRoutes(app: FastifyInstance, options: DatabaseRoutesOptions): void {
  const { catalog, db } = options;
  const noDb = (reply: FastifyReply) =>
    reply.code(503).send(errorBody("SERVICE_UNAVAILABLE", "no database cluster is configured"));

  app.get("/api/database/status", async (_request, reply) => {
    if (!db) return noDb(reply);
    const all = await db.statusAll();
    const nodes = all.map((s) =>
      s.status === "online"
        ? {
            node_id: s.nodeId,
            address: s.address,
            role: s.role,
            primary_id: s.primaryId,
            record_count: s.recordCount,
            term: s.term,
            commit_index: s.commitIndex,
            applied_index: s.appliedIndex,
            status: "online" as const,
          }
        : {
            node_id: "",
            address: s.address,
            role: "unknown",
            primary_id: "",
            record_count: 0,
            term: 0,
            status: "offline" as const,
          },
    );
    return { nodes, total: nodes.length, online: nodes.filter((n) => n.status === "online").length };
  });

  app.get<{ Params: { book: string } }>("/api/database/stock/:book", async (request, reply) => {
    if (!db) return noDb(reply);
    const book = resolveBook(catalog, request.params.book);
    if (!book) return reply.code(404).send(errorBody("NOT_FOUND", `no book ${quote(request.params.book)}`));
    try {
      return { book: book.title, id: book.id, ...(await stockOf(db, book)) };
    } catch (error) {
      return unavailable(reply, error);
    }
  });

  app.post<{ Body: { books: string[] } }>(
    "/api/database/stock",
    {
      schema: {
        body: {
          type: "object",
          required: ["books"],
          additionalProperties: false,
          properties: {
            books: {
              type: "array",
              minItems: 1,
              maxItems: 500,
              items: { type: "string", minLength: 1, maxLength: 300 },
            },
          },
        },
      },
    },
    async (request, reply) => {
      if (!db) return noDb(reply);
      const client = db;
      try {
        const entries = await Promise.all(
          request.body.books.map(async (name) => {
            const book = resolveBook(catalog, name);
            if (!book) return [name, { stock: 0, available: false, error: "NOT_FOUND" }] as const;
            return [name, await stockOf(client, book)] as const;
          }),
        );
        return Object.fromEntries(entries);
      } catch (error) {
        return unavailable(reply, error);
      }
    },
  );
}
