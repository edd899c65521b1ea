import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { fuzzystrmatch } from "@electric-sql/pglite/contrib/fuzzystrmatch";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { vector } from "@electric-sql/pglite-pgvector";
import pg from "pg";
import { PgliteDurability } from "./pglite-durability.js";
import { SHARED_BUFFERS_SIZE } from "./shared-buffers.js";

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
  /**
   * Makes every write committed so far durable; call it before acknowledging one. A PostgreSQL
   * server has already fsync'd at commit; embedded Postgres has not (pglite-durability.ts).
   */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL connection string; when set, dataDir is not used. */
  databaseUrl?: string;
  /** PGlite data directory; "memory://" keeps everything in memory. */
  dataDir: string;
  /**
   * Embedded Postgres's buffer cache (Postgres's `shared_buffers`, e.g. "768MB"; default 128MB).
   * Pages outside it are read through PGlite's filesystem layer at every use: a catalog whose index
   * and tables do not fit answers several times slower (docs/suggestions.md).
   */
  sharedBuffers?: string;
  /** Statements run on every new connection (e.g. SET hnsw.ef_search = 64). */
  sessionSql?: string[];
  poolSize?: number;
  /** An idle PostgreSQL connection failed (the pool drops it). */
  onIdleError?: (error: Error) => void;
}

/** pgvector for the embeddings; pg_trgm, fuzzystrmatch and unaccent for lexical search (migration 005). */
const CREATE_EXTENSIONS = `CREATE EXTENSION IF NOT EXISTS vector; CREATE EXTENSION IF NOT EXISTS pg_trgm;
  CREATE EXTENSION IF NOT EXISTS fuzzystrmatch; CREATE EXTENSION IF NOT EXISTS unaccent`;

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options) : openPglite(options);
}

async function openPglite(options: OpenOptions): Promise<Database> {
  const onDisk = !options.dataDir.startsWith("memory://");
  if (options.sharedBuffers !== undefined && !SHARED_BUFFERS_SIZE.test(options.sharedBuffers))
    throw new Error(`sharedBuffers must be a size such as 1GB (got "${options.sharedBuffers.slice(0, 20)}")`);
  if (onDisk) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create({
    dataDir: options.dataDir,
    extensions: { vector, pg_trgm, unaccent, fuzzystrmatch },
    ...(options.sharedBuffers ? { postgresqlconf: [`shared_buffers = '${options.sharedBuffers}'`] } : {}),
  });
  // The extensions must exist before any session setting of them can be applied.
  await db.exec(CREATE_EXTENSIONS);
  for (const sql of options.sessionSql ?? []) await db.exec(sql);
  const durability = onDisk ? new PgliteDurability(options.dataDir) : undefined;
  // Start-up (crash recovery, a new cluster) wrote files that nothing has flushed.
  await durability?.syncAll();
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
    flush: async () => {
      await durability?.flush();
    },
    close: async () => {
      await db.close();
      // The shutdown checkpoint wrote the data files.
      await durability?.syncAll();
    },
  };
}

async function openPostgres(options: OpenOptions): Promise<Database> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 8 });
  // An idle client's error (e.g. the server restarted) must not crash the process: the pool drops
  // that client and the next query opens a new connection.
  pool.on("error", (error) => options.onIdleError?.(error));
  // Every new connection runs the session statements before its first query; if they fail, that
  // query fails with their error and the connection is discarded.
  const sessionSql = options.sessionSql ?? [];
  const sessions = new WeakMap<pg.PoolClient, Promise<void>>();
  pool.on("connect", (client) => {
    const ready = (async () => {
      for (const sql of sessionSql) await client.query(sql);
    })();
    ready.catch(() => {}); // observed by the first checkout below
    sessions.set(client, ready);
  });
  const checkout = async (): Promise<pg.PoolClient> => {
    const client = await pool.connect();
    try {
      await sessions.get(client);
      return client;
    } catch (error) {
      client.release(true);
      throw error;
    }
  };
  const query = async <T>(sql: string, params: readonly unknown[] = []): Promise<T[]> => {
    const client = await checkout();
    let broken: Error | undefined;
    try {
      return (await client.query(sql, params as unknown[])).rows as T[];
    } catch (error) {
      // A connection-level failure (no SQLSTATE) must not go back to the pool.
      if (!(error as { code?: string }).code) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  };
  await query(CREATE_EXTENSIONS);
  return {
    kind: "postgres",
    query,
    exec: async (sql) => {
      await query(sql);
    },
    // The server fsync'd each commit before answering it.
    flush: async () => {},
    transaction: async (work) => {
      const client = await checkout();
      let discard: Error | undefined;
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
        await client.query("ROLLBACK").then(
          () => undefined,
          // The connection is in an unknown state: the pool must not hand it out again.
          (rollbackError: Error) => {
            discard = rollbackError;
          },
        );
        throw error;
      } finally {
        client.release(discard);
      }
    },
    close: () => pool.end(),
  };
}
