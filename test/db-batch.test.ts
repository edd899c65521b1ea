// Batch: several reads, writes and stock changes in one call, each answered as its own call would
// be; and DatabaseClient, which sends the requests its callers issue concurrently that way.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DatabaseClient, DatabaseError, ValueType } from "@bookstore/db-client";
import {
  AppError,
  callUnary,
  clientFor,
  closeAllClients,
  createLogger,
  GrpcStatus,
  grpcClientHandled,
  type RunningGrpcServer,
  startGrpcServer,
  violationsOf,
} from "@bookstore/kit";
import { type BatchOperation, type BatchResult, DatabaseServiceClient } from "@bookstore/proto";
import { Metadata } from "@grpc/grpc-js";
import type { RunningDbNode } from "../services/db-node/src/db-node.js";
import { databaseService, dbHandlers } from "../services/db-node/src/service.js";
import { startSingleDbNode } from "./support/single-db-node.js";

/** Generous: these tests check what each operation answers, not how fast (CI runs files side by side). */
const DEADLINE_MS = 10_000;

const BATCH = "/bookstore.v1.DatabaseService/Batch";
const WRITE = "/bookstore.v1.DatabaseService/Write";

/** Calls this process made to `method` so far, by status code. */
async function callCount(method: string, code = "OK"): Promise<number> {
  const metric = await grpcClientHandled.get();
  const row = metric.values.find(
    (v) =>
      v.metricName === "grpc_client_handling_seconds_count" &&
      v.labels.method === method &&
      v.labels.code === code,
  );
  return row?.value ?? 0;
}

const op = {
  write: (key: string, value: string, type = ValueType.VALUE_TYPE_STRING, expectedVersion?: number) =>
    ({
      operation: { $case: "write", value: { key, value, type, expectedVersion, requestId: "" } },
    }) as BatchOperation,
  read: (key: string) => ({ operation: { $case: "read", value: { key, stale: false } } }) as BatchOperation,
  decrement: (key: string, amount: number) =>
    ({ operation: { $case: "decrementStock", value: { key, amount, requestId: "" } } }) as BatchOperation,
  increment: (key: string, amount: number) =>
    ({ operation: { $case: "incrementStock", value: { key, amount, requestId: "" } } }) as BatchOperation,
};

function violations(r: BatchResult) {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(r.errorMetadata)) metadata.set(k, v);
  return violationsOf({ code: r.code, details: r.errorMessage, metadata } as never);
}

describe("db-node Batch", { timeout: 30_000 }, () => {
  let dir: string;
  let node: RunningDbNode;
  let address: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "db-batch-"));
    node = await startSingleDbNode(dir, { DB_SEED_CATALOG: "false" });
    address = `127.0.0.1:${node.port}`;
    const end = Date.now() + 5000;
    while (node.node.status().role !== "leader" && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));
  });
  after(async () => {
    closeAllClients();
    await node?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers every operation as its own call would, in order", async () => {
    const c = clientFor(DatabaseServiceClient, address);
    await callUnary(
      c,
      c.write,
      { key: "stock:b1", value: "3", type: ValueType.VALUE_TYPE_INT, requestId: "" },
      { deadlineMs: DEADLINE_MS },
    );
    const { results } = await callUnary(
      c,
      c.batch,
      {
        operations: [
          op.write("k:1", "one"),
          op.write("k:1", "stale", ValueType.VALUE_TYPE_STRING, 7),
          op.decrement("stock:b1", 5),
          op.decrement("stock:none", 1),
          op.write("", "empty key"),
          op.decrement("stock:b1", 2),
          op.increment("stock:b1", 10),
          op.read("k:missing"),
          { operation: undefined },
        ],
      },
      { deadlineMs: DEADLINE_MS },
    );
    assert.equal(results.length, 9);
    const [put, cas, over, missing, bad, dec, inc, absent, empty] = results as BatchResult[];
    assert.equal(put?.code, GrpcStatus.OK);
    assert.equal(put?.response?.$case === "write" && put.response.value.version, 1);
    assert.equal(cas?.code, GrpcStatus.FAILED_PRECONDITION, "CAS on the wrong version");
    assert.equal(cas?.errorMetadata["x-version"], "1");
    assert.equal(over?.code, GrpcStatus.FAILED_PRECONDITION, "would go below zero");
    assert.equal(over?.errorMetadata["x-current-value"], "3");
    assert.equal(missing?.code, GrpcStatus.NOT_FOUND);
    assert.equal(bad?.code, GrpcStatus.INVALID_ARGUMENT);
    assert.deepEqual(
      violations(bad as BatchResult).map((v) => v.field),
      ["key"],
    );
    // Operations are applied in order: 3 - 2 + 10.
    assert.equal(dec?.response?.$case === "decrementStock" && dec.response.value.newValue, 1);
    assert.equal(inc?.response?.$case === "incrementStock" && inc.response.value.newValue, 11);
    assert.equal(absent?.response?.$case === "read" && absent.response.value.success, false);
    assert.equal(empty?.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(empty?.errorMessage ?? "", /operations\[8\]/);

    const after = await callUnary(
      c,
      c.batch,
      { operations: [op.read("k:1"), op.read("stock:b1")] },
      { deadlineMs: DEADLINE_MS },
    );
    const values = after.results.map((r) =>
      r.response?.$case === "read" ? r.response.value.value : undefined,
    );
    assert.deepEqual(values, ["one", "11"], "the refused CAS wrote nothing");
  });

  it("carries 2PC calls too: prepares and decisions of many transactions, each its own vote", async () => {
    const c = clientFor(DatabaseServiceClient, address);
    await callUnary(
      c,
      c.write,
      { key: "stock:2pc", value: "2", type: ValueType.VALUE_TYPE_INT, requestId: "" },
      { deadlineMs: DEADLINE_MS },
    );
    const prepare = (tx: string, amount: number) =>
      ({
        operation: {
          $case: "prepareStock",
          value: { transactionId: tx, lines: [{ key: "stock:2pc", amount }], coordinator: "" },
        },
      }) as BatchOperation;
    const decide = (tx: string, $case: "commitStock" | "abortStock") =>
      ({ operation: { $case, value: { transactionId: tx } } }) as BatchOperation;
    const first = await callUnary(
      c,
      c.batch,
      { operations: [prepare("t1", 1), prepare("t2", 1), prepare("t3", 1)] },
      { deadlineMs: DEADLINE_MS },
    );
    const votes = first.results.map((r) =>
      r.response?.$case === "prepareStock" ? r.response.value : undefined,
    );
    assert.deepEqual(
      votes.map((v) => v?.success),
      [true, true, false],
      "two units: two yes votes, one no",
    );
    assert.equal(votes[2]?.reasonCode, "INSUFFICIENT_STOCK");
    const second = await callUnary(
      c,
      c.batch,
      { operations: [decide("t1", "commitStock"), decide("t2", "abortStock")] },
      { deadlineMs: DEADLINE_MS },
    );
    assert.ok(second.results.every((r) => r.code === GrpcStatus.OK));
    const db = new DatabaseClient({ addresses: [address] });
    assert.equal((await db.read("stock:2pc")).value, "1", "one committed, one released");
  });

  it("refuses a batch of more than 1000 operations whole, writing nothing", async () => {
    const c = clientFor(DatabaseServiceClient, address);
    const before = node.node.status().commitIndex;
    const operations = Array.from({ length: 1001 }, (_, i) => op.write(`big:${i}`, "x"));
    await assert.rejects(
      callUnary(c, c.batch, { operations }, { deadlineMs: DEADLINE_MS }),
      (e: { code: number; details: string }) => {
        assert.equal(e.code, GrpcStatus.INVALID_ARGUMENT);
        assert.match(e.details, /operations: at most 1000/);
        return true;
      },
    );
    assert.equal(node.node.status().commitIndex, before);
  });

  it("DatabaseClient sends concurrent requests as a few Batch calls; each caller gets its own outcome", async () => {
    const db = new DatabaseClient({ addresses: [address], deadlineMs: 3000 });
    await db.write("stock:b2", "50", ValueType.VALUE_TYPE_INT);
    const batchesBefore = await callCount(BATCH);
    const writesBefore = await callCount(WRITE);
    const writes = Array.from({ length: 200 }, (_, i) =>
      db.write(`c:${i}`, String(i), ValueType.VALUE_TYPE_INT),
    );
    const decrements = Array.from({ length: 60 }, () =>
      db.decrementStock("stock:b2", 1).then(
        (r) => r.newValue,
        (e: unknown) => e,
      ),
    );
    const versions = await Promise.all(writes);
    const outcomes = await Promise.all(decrements);
    const batches = (await callCount(BATCH)) - batchesBefore;
    assert.ok(batches >= 1 && batches <= 10, `260 requests in ${batches} Batch calls`);
    assert.equal((await callCount(WRITE)) - writesBefore, 0, "no single Write calls");
    assert.deepEqual(versions, Array(200).fill(1));
    const sold = outcomes.filter((o) => typeof o === "number");
    const refused = outcomes.filter((o) => o instanceof DatabaseError);
    assert.equal(sold.length, 50);
    assert.equal(refused.length, 10);
    for (const e of refused) {
      assert.equal((e as DatabaseError).code, GrpcStatus.FAILED_PRECONDITION);
      assert.equal((e as DatabaseError).currentValue, 0);
    }
    assert.deepEqual(
      [...sold].sort((a, b) => (a as number) - (b as number)),
      Array.from({ length: 50 }, (_, i) => i),
      "every decrement saw its own new value",
    );
    const r = await db.read("c:199");
    assert.deepEqual([r.value, r.type], ["199", ValueType.VALUE_TYPE_INT]);
  });

  it("with batch: false, one call per request", async () => {
    const db = new DatabaseClient({ addresses: [address], deadlineMs: 3000, batch: false });
    const batchesBefore = await callCount(BATCH);
    const writesBefore = await callCount(WRITE);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => db.write(`s:${i}`, "x", ValueType.VALUE_TYPE_STRING)),
    );
    assert.equal((await callCount(BATCH)) - batchesBefore, 0);
    assert.equal((await callCount(WRITE)) - writesBefore, 20);
  });

  it("falls back to single calls against a node that does not implement Batch", async () => {
    // The same node served by a second gRPC server whose Batch answers UNIMPLEMENTED, as an older
    // db-node would.
    const handlers = {
      ...dbHandlers({ node: node.node, state: node.state, adminToken: "t".repeat(24) }),
      batch: () => {
        throw new AppError(GrpcStatus.UNIMPLEMENTED, "Batch is not implemented");
      },
    };
    let older: RunningGrpcServer | undefined;
    try {
      older = await startGrpcServer({
        host: "127.0.0.1",
        port: 0,
        services: [databaseService({ node: node.node, state: node.state, adminToken: "x" }, handlers)],
        logger: createLogger({ service: "older-db-node", level: "silent" }),
      });
      const db = new DatabaseClient({ addresses: [`127.0.0.1:${older.port}`], deadlineMs: 3000 });
      const unimplementedBefore = await callCount(BATCH, "UNIMPLEMENTED");
      const versions = await Promise.all(
        Array.from({ length: 30 }, (_, i) => db.write(`old:${i}`, "x", ValueType.VALUE_TYPE_STRING)),
      );
      assert.deepEqual(versions, Array(30).fill(1));
      assert.equal(
        (await callCount(BATCH, "UNIMPLEMENTED")) - unimplementedBefore,
        1,
        "asked once, then single calls",
      );
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => db.write(`old:${i}`, "y", ValueType.VALUE_TYPE_STRING)),
      );
      assert.equal((await callCount(BATCH, "UNIMPLEMENTED")) - unimplementedBefore, 1);
    } finally {
      await older?.close();
    }
  });
});
