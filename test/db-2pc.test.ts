// The db-node as a 2PC participant whose decision never came: after the timeout its primary asks the
// coordinator named in Prepare (OrderExecutorService.GetDecision) and applies COMMIT or ABORT;
// PENDING or an unreachable coordinator leaves the reservation in place.
//
// The coordinator here is a real gRPC server implementing OrderExecutorService.GetDecision with a
// fixed decision table written in this test (the order executor itself is a later issue); the
// db-node is a real single-node Raft cluster in this process, with its own data directory.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DatabaseClient, type DatabaseError, ValueType } from "@bookstore/db-client";
import { closeAllClients, createLogger } from "@bookstore/kit";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { freePort } from "../scripts/system.js";
import type { RunningDbNode } from "../services/db-node/src/db-node.js";
import {
  COMMIT_ABORT_PENDING,
  type FixedDecisionCoordinator,
  startFixedDecisionCoordinator,
} from "./support/fixed-decision-coordinator.js";
import { startSingleDbNode } from "./support/single-db-node.js";

const logger = createLogger({ service: "db-2pc-test", level: "silent" });

describe("db-node 2PC participant: resolving reservations with the coordinator", { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "db-2pc-"));
  let coordinator: FixedDecisionCoordinator;
  let db: RunningDbNode;
  let client: DatabaseClient;

  before(async () => {
    coordinator = await startFixedDecisionCoordinator(COMMIT_ABORT_PENDING, logger);
    db = await startSingleDbNode(dir, { DB_SEED_CATALOG: "false", DB_DECISION_TIMEOUT_MS: "300" });
    client = new DatabaseClient({ addresses: [`127.0.0.1:${db.port}`] });
  });
  after(async () => {
    await db?.close();
    await coordinator?.server.close();
    closeAllClients();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies COMMIT and ABORT from the coordinator, leaves PENDING and unreachable reserved", async () => {
    await client.write("stock:b", "10", ValueType.VALUE_TYPE_INT);
    const here = coordinator.address;
    const dead = `127.0.0.1:${await freePort()}`;
    for (const tx of ["tx-commit", "tx-abort", "tx-pending"]) {
      assert.equal((await client.prepareStock(tx, [{ key: "stock:b", amount: 2 }], here)).vote, true);
    }
    assert.equal((await client.prepareStock("tx-lost", [{ key: "stock:b", amount: 2 }], dead)).vote, true);
    assert.equal(db.state.available("stock:b"), 2);

    const end = Date.now() + 10_000;
    while (
      Date.now() < end &&
      (db.state.decision("tx-commit") === "reserved" || db.state.decision("tx-abort") === "reserved")
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(db.state.decision("tx-commit"), "committed");
    assert.equal(db.state.decision("tx-abort"), "aborted");
    // Give the resolver a few more passes: the undecided ones must stay reserved.
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(db.state.decision("tx-pending"), "reserved");
    assert.equal(db.state.decision("tx-lost"), "reserved");
    assert.equal((await client.read("stock:b")).value, "8", "only the committed reservation was decremented");
    assert.equal(db.state.available("stock:b"), 4, "8 in stock − 4 still reserved");
  });

  it("PrepareStock's no vote names the reason, the key and what was available", async () => {
    await client.write("stock:r", "1", ValueType.VALUE_TYPE_INT);
    const lines = [{ key: "stock:r", amount: 2 }];
    assert.deepEqual(await client.prepareStock("tx-short", lines), {
      vote: false,
      message: "stock:r: 1 available, 2 requested",
      reasonCode: "INSUFFICIENT_STOCK",
      key: "stock:r",
      available: 1,
    });
    const missing = await client.prepareStock("tx-missing", [{ key: "stock:none", amount: 1 }]);
    assert.deepEqual([missing.reasonCode, missing.key], ["NO_SUCH_KEY", "stock:none"]);
    await client.abortStock("tx-late");
    assert.equal(
      (await client.prepareStock("tx-late", [{ key: "stock:r", amount: 1 }])).reasonCode,
      "ALREADY_ABORTED",
    );
    const yes = await client.prepareStock("tx-ok", [{ key: "stock:r", amount: 1 }]);
    assert.deepEqual([yes.vote, yes.reasonCode], [true, ""]);
    await assert.rejects(
      client.prepareStock("tx-bad", [{ key: "stock:r", amount: 1 }], "not an address"),
      (e: DatabaseError) => e.code === GrpcStatus.INVALID_ARGUMENT && /^coordinator: /.test(e.message),
    );
    assert.equal(db.state.decision("tx-bad"), undefined, "nothing reserved for a refused request");
  });
});
