import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import pg from "pg";

/** What a query runs on: the database, or one transaction of it. Parameters are always bound. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * The same SQL on embedded Postgres (PGlite, WASM, in the data directory) or on a PostgreSQL
 * server with pgvector (DATABASE_URL, a connection pool).
 */
export interface Database extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  transaction<T>(work: (tx: Queryable & { exec(sql: string): Promise<void> }) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL connection string; when set, dataDir is not used. */
  databaseUrl?: string;
  /** PGlite data directory; "memory://" keeps everything in memory. */
  dataDir: string;
  /** Statements run on every new connection (e.g. SET hnsw.ef_search = 64). */
  sessionSql?: string[];
  poolSize?: number;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options) : openPglite(options);
}

async function openPglite(options: OpenOptions): Promise<Database> {
  if (!options.dataDir.startsWith("memory://")) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir: options.dataDir, extensions: { vector } });
  // The extension must exist before any session setting of it can be applied.
  await db.exec("CREATE EXTENSION IF NOT EXISTS vector");
  for (const sql of options.sessionSql ?? []) await db.exec(sql);
  return {
    kind: "pglite",
    query: async <T>(sql: string, params: readonly unknown[] = []) =>
      (await db.query<T>(sql, params as unknown[])).rows,
    exec: async (sql) => {
      await db.exec(sql);
    },
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          query: async <T>(sql: string, params: readonly unknown[] = []) =>
            (await tx.query<T>(sql, params as unknown[])).rows,
          exec: async (sql: string) => {
            await tx.exec(sql);
          },
        }),
      ),
    close: () => db.close(),
  };
}

async function openPostgres(options: OpenOptions): Promise<Database> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 8 });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  const sessionSql = options.sessionSql ?? [];
  if (sessionSql.length > 0) {
    pool.on("connect", (client) => {
      for (const sql of sessionSql) client.query(sql).catch(() => {});
    });
  }
  await pool.query("CREATE EXTENSION IF NOT EXISTS vector");
  return {
    kind: "postgres",
    query: async <T>(sql: string, params: readonly unknown[] = []) =>
      (await pool.query(sql, params as unknown[])).rows as T[],
    exec: async (sql) => {
      await pool.query(sql);
    },
    transaction: async (work) => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work({
          query: async <T>(sql: string, params: readonly unknown[] = []) =>
            (await client.query(sql, params as unknown[])).rows as T[],
          exec: async (sql: string) => {
            await client.query(sql);
          },
        });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
