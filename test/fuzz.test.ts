// Issue 10's fuzz run at a fixed budget and seed, against the whole system as `npm start` runs it
// (every service its own process): every documented HTTP route and every unary gRPC method of every
// service. `npm run fuzz -- --runs N` is the longer soak of the same harness.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { DatabaseClient } from "@bookstore/db-client";
import {
  freeSystemPorts,
  type System,
  type SystemPorts,
  startSystem,
  systemSpecs,
} from "../scripts/system.js";
import { ExecutorClient } from "../services/orchestrator/src/executor-client.js";
import { fuzzGrpc, fuzzHttp } from "./fuzz/run-fuzz.js";
import { fuzzSamples } from "./fuzz/samples.js";
import { stockSnapshot, systemProblems } from "./fuzz/system-checks.js";
import { post, validBody } from "./support/checkout-stack.js";

const SEED = 20261201;
let ports: SystemPorts;
let system: System;
let db: DatabaseClient;
let executor: ExecutorClient;
let baseUrl: string;

before(async () => {
  ports = await freeSystemPorts();
  system = await startSystem(systemSpecs(ports));
  baseUrl = `http://127.0.0.1:${ports.orchestrator}`;
  db = new DatabaseClient({ addresses: ports.dbNodes.map((p) => `127.0.0.1:${p}`), deadlineMs: 5000 });
  executor = new ExecutorClient({
    addresses: ports.executors.map((p) => `127.0.0.1:${p}`),
    deadlineMs: 5000,
  });
});
after(async () => {
  await system?.stop();
  rmSync(ports.dbDataDir, { recursive: true, force: true });
});

const show = (report: { violations: unknown[] }) => JSON.stringify(report.violations.slice(0, 5), null, 1);

describe("fuzzing the running system (issue 10)", { timeout: 240_000 }, () => {
  it("never a 5xx, INTERNAL, crash or hang; refusals name the field; nothing refused changes state", async () => {
    const stockBefore = await stockSnapshot(db);
    const http = await fuzzHttp(baseUrl, fuzzSamples(), { runs: 700, seed: SEED });
    assert.equal(http.violations.length, 0, show(http));
    assert.ok((http.outcomes.get("400") ?? 0) > 100, "the fuzzer reached the validation it is meant to test");
    const addresses = system.processes.flatMap((p) => ("grpc" in p.spec.ready ? [p.spec.ready.grpc] : []));
    const grpc = await fuzzGrpc(addresses, { runs: 12, seed: SEED });
    assert.equal(grpc.violations.length, 0, show(grpc));
    assert.ok((grpc.outcomes.get("INVALID_ARGUMENT") ?? 0) > 200);
    assert.deepEqual(
      await systemProblems(system, { db, executor }, stockBefore, [...http.accepted, ...grpc.accepted]),
      [],
    );
    const { status } = await post(baseUrl, "/api/checkout", validBody());
    assert.equal(status, 201, "a valid checkout still goes through");
  });
});
