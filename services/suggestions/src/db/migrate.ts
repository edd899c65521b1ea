import { readdirSync, readFileSync } from "node:fs";
import type { Database } from "./database.js";

export const migrationsDir = new URL("./migrations/", import.meta.url).pathname;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The versioned migration files, "NNN_name.sql", in version order. */
export function loadMigrations(dir: string = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: readFileSync(`${dir}${file}`, "utf8"),
    }));
}

/**
 * Applies the migrations not applied yet, in one transaction, each with its row in
 * schema_migrations; returns the versions applied now. On a shared server an advisory lock keeps
 * two starting replicas from migrating at once.
 */
export async function migrate(db: Database, migrations: Migration[] = loadMigrations()): Promise<number[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  return db.transaction(async (tx) => {
    if (db.kind === "postgres") await tx.query("SELECT pg_advisory_xact_lock(6053)");
    const applied = new Set(
      (await tx.query<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => r.version),
    );
    const now: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      now.push(m.version);
    }
    return now;
  });
}
