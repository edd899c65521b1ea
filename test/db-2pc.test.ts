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
import { DatabaseClient, ValueType } from "@bookstore/db-client";
import {
  AppError,
  closeAllClients,
  createLogger,
  implement,
  type RunningGrpcServer,
  startGrpcServer,
} from "@bookstore/kit";
import { OrderExecutorServiceService, TransactionDecision } from "@bookstore/proto";
import { freePort } from "../scripts/system.js";
import type { RunningDbNode } from "../services/db-node/src/db-node.js";
import { startSingleDbNode } from "./support/single-db-node.js";

const logger = createLogger({ service: "db-2pc-test", level: "silent" });

describe("db-node 2PC participant: resolving reservations with the coordinator", { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "db-2pc-"));
  let coordinator: RunningGrpcServer;
  let db: RunningDbNode;
  let client: DatabaseClient;
  const decisions: Record<string, TransactionDecision> = {
    "tx-commit": TransactionDecision.TRANSACTION_DECISION_COMMIT,
    "tx-abort": TransactionDecision.TRANSACTION_DECISION_ABORT,
    "tx-pending": TransactionDecision.TRANSACTION_DECISION_PENDING,
  };

  before(async () => {
    const unimplemented = () => {
      throw new AppError(12, "not part of this test");
    };
    coordinator = await startGrpcServer({
      host: "127.0.0.1",
      port: 0,
      logger,
      services: [
        {
          name: "bookstore.v1.OrderExecutorService",
          definition: OrderExecutorServiceService,
          implementation: implement(OrderExecutorServiceService, {
            submitJob: unimplemented,
            getLeader: unimplemented,
            getJob: unimplemented,
            getClusterStatus: unimplemented,
            getDecision: (req) => ({
              decision: decisions[req.transactionId] ?? TransactionDecision.TRANSACTION_DECISION_UNSPECIFIED,
              leader: undefined,
            }),
          }),
        },
      ],
    });
    db = await startSingleDbNode(dir, { DB_SEED_CATALOG: "false", DB_DECISION_TIMEOUT_MS: "300" });
    client = new DatabaseClient({ addresses: [`127.0.0.1:${db.port}`] });
  });
  after(async () => {
    await db?.close();
    await coordinator?.close();
    closeAllClients();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies COMMIT and ABORT from the coordinator, leaves PENDING and unreachable reserved", async () => {
    await client.write("stock:b", "10", ValueType.VALUE_TYPE_INT);
    const here = `127.0.0.1:${coordinator.port}`;
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
});
