// Embedded Postgres's durability, seen from the kernel: PGlite's own fsync never reaches it, so
// Database.flush() (pglite-durability.ts) must. Under strace, a commit followed by flush() syncs a
// write-ahead-log segment before the answer; without flush() nothing does (the control, showing
// that the syncs seen come from flush). A purchase is flushed before RecordPurchase answers.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { BookSearch } from "../services/suggestions/src/book-search.js";
import { openDatabase } from "../services/suggestions/src/db/database.js";
import { migrate } from "../services/suggestions/src/db/migrate.js";
import { PgliteDurability } from "../services/suggestions/src/db/pglite-durability.js";

const strace = spawnSync("strace", ["-V"]).status === 0;
const child = new URL("./support/pglite-commit-child.ts", import.meta.url).pathname;

/** The syncs that reached the kernel between the commit's marker and the answer's, by path. */
function syncsBeforeAnswer(dataDir: string, mode: "flush" | "none"): string[] {
  const trace = `${dataDir}.strace`;
  const run = spawnSync(
    "strace",
    [
      "-f",
      "-y",
      "-qq",
      "-e",
      "trace=fsync,fdatasync,openat",
      "-o",
      trace,
      process.execPath,
      "--import",
      "tsx",
      child,
      dataDir,
      mode,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  const lines = readFileSync(trace, "utf8").split("\n");
  const committed = lines.findIndex((l) => l.includes(`${dataDir}.committed`));
  const answered = lines.findIndex((l) => l.includes(`${dataDir}.ack`));
  assert.ok(committed >= 0 && answered > committed, "both markers traced, in order");
  return lines
    .slice(committed, answered)
    .filter((l) => /\b(fsync|fdatasync)\(/.test(l) && / = 0$/.test(l))
    .map((l) => /<([^>]+)>/.exec(l)?.[1] ?? l);
}

describe("embedded Postgres durability", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "bookstore-pglite-"));
    dirs.push(dir);
    return join(dir, "data");
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("flush() syncs the write-ahead log to disk before the answer; without it nothing does", {
    skip: strace ? false : "strace is not installed",
  }, () => {
    const flushed = syncsBeforeAnswer(tempDir(), "flush");
    assert.ok(
      flushed.some((path) => /\/pg_wal\/[0-9A-F]{24}$/.test(path)),
      flushed.join("\n"),
    );
    assert.ok(
      flushed.some((path) => path.endsWith("/pg_wal")),
      "and the directory",
    );
    assert.deepEqual(syncsBeforeAnswer(tempDir(), "none"), [], "PGlite itself syncs nothing");
  });

  it("a purchase is flushed before RecordPurchase's store call returns", async () => {
    const db = await openDatabase({ dataDir: tempDir() });
    try {
      await migrate(db);
      const events: string[] = [];
      const watched = {
        ...db,
        query: async <T>(sql: string, params?: readonly unknown[]) => {
          if (/INSERT INTO purchases/.test(sql)) events.push("insert");
          return db.query<T>(sql, params);
        },
        flush: async () => {
          await db.flush();
          events.push("flushed");
        },
      };
      await new BookSearch(watched).recordPurchases([{ customerId: "c-1", orderId: "o-1", bookIds: [] }]);
      assert.deepEqual(events, ["insert", "flushed"]);
    } finally {
      await db.close();
    }
  });

  it("concurrent flushes all finish; a failing one fails its callers and the next still runs", async () => {
    const db = await openDatabase({ dataDir: tempDir() });
    try {
      await db.exec("CREATE TABLE t (x int)");
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          db.query("INSERT INTO t VALUES ($1)", [i]).then(() => db.flush()),
        ),
      );
    } finally {
      await db.close();
    }
    const missing = new PgliteDurability(join(tempDir(), "nowhere"));
    const [first, second] = await Promise.allSettled([missing.flush(), missing.flush()]);
    assert.equal(first?.status, "rejected");
    assert.equal(second?.status, "rejected");
    await assert.rejects(missing.flush(), /ENOENT/);
  });
});
