// Embedded Postgres's buffer cache: PGLITE_SHARED_BUFFERS reaches Postgres as shared_buffers, and a
// value that is not a size is refused by name, in the configuration and in openDatabase.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configSchema } from "../services/suggestions/src/config.js";
import { openDatabase } from "../services/suggestions/src/db/database.js";

describe("embedded Postgres settings", () => {
  it("PGLITE_SHARED_BUFFERS: a size, or empty for Postgres's default", () => {
    assert.equal(configSchema.parse({ PGLITE_SHARED_BUFFERS: "1GB" }).PGLITE_SHARED_BUFFERS, "1GB");
    assert.equal(configSchema.parse({}).PGLITE_SHARED_BUFFERS, "");
    for (const bad of ["lots", "1 GB", "1GB'; DROP", "-5MB"]) {
      const r = configSchema.safeParse({ PGLITE_SHARED_BUFFERS: bad });
      assert.ok(!r.success, bad);
      assert.deepEqual(r.error.issues[0]?.path, ["PGLITE_SHARED_BUFFERS"]);
      assert.match(r.error.issues[0]?.message ?? "", /a size such as 512MB or 1GB/);
    }
  });

  it("the cache size reaches Postgres; a bad one is refused before Postgres starts", async () => {
    const db = await openDatabase({ dataDir: "memory://", sharedBuffers: "256MB" });
    try {
      assert.deepEqual(await db.query("SHOW shared_buffers"), [{ shared_buffers: "256MB" }]);
    } finally {
      await db.close();
    }
    await assert.rejects(
      openDatabase({ dataDir: "memory://", sharedBuffers: "9e9" }),
      /sharedBuffers must be a size/,
    );
  });
});
