// The seed's /api/database/* routes over a real (single-node, in-process) db-node and the
// DatabaseClient; one configured node does not exist, so the status shows it offline.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadCatalog } from "@bookstore/catalog";
import { DatabaseClient } from "@bookstore/db-client";
import { closeAllClients, createLogger } from "@bookstore/kit";
import type { FastifyInstance } from "fastify";
import { freePort } from "../scripts/system.js";
import type { RunningDbNode } from "../services/db-node/src/db-node.js";
import { buildApp } from "../services/orchestrator/src/app.js";
import { startSingleDbNode } from "./support/single-db-node.js";

const logger = createLogger({ service: "db-routes-test", level: "silent" });

describe("orchestrator /api/database routes", { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "db-routes-"));
  const catalog = loadCatalog();
  const book = catalog.books[0];
  let db: RunningDbNode;
  let app: FastifyInstance;

  before(async () => {
    db = await startSingleDbNode(dir);
    const port = db.port;
    const offline = `127.0.0.1:${await freePort()}`;
    const client = new DatabaseClient({ addresses: [`127.0.0.1:${port}`, offline], deadlineMs: 3000 });
    app = await buildApp({
      catalog,
      flow: { run: () => Promise.reject(new Error("not used")) },
      health: async () => ({}),
      fingerprintKey: "test-fingerprint-key-0123",
      logger,
      db: client,
    });
    const end = Date.now() + 5000;
    while (!db.state.seeded && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  });
  after(async () => {
    await app?.close();
    await db?.close();
    closeAllClients();
    rmSync(dir, { recursive: true, force: true });
  });

  it("GET /api/database/stock/:book by title or id", async () => {
    assert.ok(book);
    for (const ref of [book.title, book.id]) {
      const r = await app.inject({ url: `/api/database/stock/${encodeURIComponent(ref)}` });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json(), {
        book: book.title,
        id: book.id,
        stock: book.stock,
        available: book.stock > 0,
      });
    }
    const missing = await app.inject({ url: "/api/database/stock/No%20Such%20Book" });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, "NOT_FOUND");
  });

  it("POST /api/database/stock answers per name; 400 on an empty list", async () => {
    assert.ok(book);
    const r = await app.inject({
      method: "POST",
      url: "/api/database/stock",
      payload: { books: [book.title, "Nope"] },
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json()[book.title], { stock: book.stock, available: book.stock > 0 });
    assert.equal(r.json().Nope.available, false);
    const empty = await app.inject({ method: "POST", url: "/api/database/stock", payload: { books: [] } });
    assert.equal(empty.statusCode, 400);
  });

  it("GET /api/database/status shows every node, offline for one that does not answer", async () => {
    const r = await app.inject({ url: "/api/database/status" });
    assert.equal(r.statusCode, 200);
    const body = r.json();
    assert.equal(body.total, 2);
    assert.equal(body.online, 1);
    const online = body.nodes.find((n: { status: string }) => n.status === "online");
    assert.equal(online.node_id, "db1");
    assert.equal(online.role, "primary");
    assert.equal(online.primary_id, "db1");
    assert.equal(online.record_count, catalog.books.length);
    assert.ok(online.term >= 1);
    assert.equal(body.nodes.filter((n: { status: string }) => n.status === "offline").length, 1);
  });
});
