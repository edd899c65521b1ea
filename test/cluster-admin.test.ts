// `npm run cluster`'s side of the members: a member that misses one status deadline (a loaded
// machine, a process still starting) is asked again until the operator's --timeout has passed.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { closeAllClients, freePort } from "@bookstore/kit";
import { ClusterAdmin } from "../scripts/cluster/cluster-admin.js";
import { ADMIN_TOKEN, DbCluster } from "../services/db-node/src/cluster-harness.js";

describe("cluster admin: waiting for members", { timeout: 60_000 }, () => {
  after(() => closeAllClients());

  it("keeps asking for the whole timeout before saying no member answers", async () => {
    const nobody = `127.0.0.1:${await freePort()}`;
    const started = Date.now();
    await assert.rejects(new ClusterAdmin([nobody], ADMIN_TOKEN, 1500).online(), /no member of .* answers/);
    assert.ok(Date.now() - started >= 1500, `gave up after ${Date.now() - started} ms`);
  });

  it("finds a member that starts answering within the timeout", async () => {
    const port = await freePort();
    const admin = new ClusterAdmin([`127.0.0.1:${port}`], ADMIN_TOKEN, 30_000);
    const asking = admin.online();
    const db = await DbCluster.start({ nodes: 1, ports: [port], env: { DB_SEED_CATALOG: "false" } });
    try {
      const members = await asking;
      assert.deepEqual(
        members.map((m) => m.address),
        [`127.0.0.1:${port}`],
      );
    } finally {
      await db.stop();
    }
  });
});
