// Writes whose answer is lost on the way back (the request reached the primary and took effect;
// the link failed before the reply): DatabaseClient retries them, and they must still apply once.
// The nemesis found the failure this guards against (docs/reliability.md): a retried put applied
// twice wiped out a decrement acknowledged in between, and a retried compare-and-set that had
// succeeded reported a version mismatch.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DatabaseClient, ValueType } from "@bookstore/db-client";
import { closeAllClients } from "@bookstore/kit";
import type { RunningDbNode } from "../services/db-node/src/db-node.js";
import { type AnswerDroppingProxy, startAnswerDroppingProxy } from "./support/answer-dropping-proxy.js";
import { startSingleDbNode } from "./support/single-db-node.js";

describe("db-node writes whose answers are lost", { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "db-lost-answers-"));
  let node: RunningDbNode;
  let proxy: AnswerDroppingProxy;
  let db: DatabaseClient;
  let direct: DatabaseClient;

  before(async () => {
    node = await startSingleDbNode(dir, { DB_SEED_CATALOG: "false" });
    proxy = await startAnswerDroppingProxy({ host: "127.0.0.1", port: node.port });
    db = new DatabaseClient({ addresses: [proxy.address], deadlineMs: 10_000, batch: false });
    direct = new DatabaseClient({ addresses: [`127.0.0.1:${node.port}`] });
  });
  after(async () => {
    await proxy?.close();
    await node?.close();
    closeAllClients();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a put retried after its answer was lost applies once; a decrement made meanwhile stands", async () => {
    await db.write("stock:lost", "60", ValueType.VALUE_TYPE_INT);
    proxy.loseNextAnswer(400);
    const lostBefore = proxy.lost;
    // The put's answer is lost; while the client waits, another client decrements.
    const put = db.write("stock:lost", "60", ValueType.VALUE_TYPE_INT);
    await new Promise((r) => setTimeout(r, 150));
    const dec = await direct.decrementStock("stock:lost", 2);
    assert.equal(await put, 2, "the put's own version");
    assert.equal(proxy.lost, lostBefore + 1, "the first answer really was lost");
    assert.deepEqual(dec, { newValue: 58, version: 3 });
    const now = await direct.read("stock:lost");
    assert.equal(now.value, "58", "the acknowledged decrement was not undone by the retry");
    assert.equal(now.version, 3);
  });

  it("a compare-and-set retried after its answer was lost reports its success, not a version mismatch", async () => {
    const v = await db.write("cas:lost", "a", ValueType.VALUE_TYPE_STRING);
    proxy.loseNextAnswer(400);
    const lostBefore = proxy.lost;
    assert.equal(await db.write("cas:lost", "b", ValueType.VALUE_TYPE_STRING, v), v + 1);
    assert.equal(proxy.lost, lostBefore + 1);
    const now = await direct.read("cas:lost");
    assert.deepEqual([now.value, now.version], ["b", v + 1]);
  });
});
