// `npm run fuzz -- [--runs N] [--seed S]`: the fuzz run of test/fuzz.test.ts at any size, against a
// fresh system on free ports (every service its own process). N HTTP requests over the documented
// routes and N/50 requests per unary gRPC method (at least 5); the same seed sends the same requests.
import { rmSync } from "node:fs";
import { DatabaseClient } from "@bookstore/db-client";
import { commandLine } from "@bookstore/kit";
import { ExecutorClient } from "../services/orchestrator/src/executor-client.js";
import { type FuzzReport, fuzzGrpc, fuzzHttp } from "../test/fuzz/run-fuzz.js";
import { fuzzSamples } from "../test/fuzz/samples.js";
import { stockSnapshot, systemProblems } from "../test/fuzz/system-checks.js";
import { freeSystemPorts, startSystem, systemSpecs } from "./system.js";

const values = commandLine(
  "usage: npm run fuzz -- [--runs N (HTTP requests; N/50 per gRPC method)] [--seed S]",
  {
    options: {
      runs: { type: "string", default: "2000" },
      seed: { type: "string" },
      help: { type: "boolean" },
    },
  },
);
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error("fuzz: --runs and --seed must be positive integers");
  process.exit(2);
}

function row(name: string, r: FuzzReport, seconds: number): string {
  const outcomes = [...r.outcomes]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  return `| ${name} | ${r.sent} | ${(r.sent / seconds).toFixed(0)} | ${r.violations.length} | ${outcomes} |`;
}

const ports = await freeSystemPorts();
const system = await startSystem(systemSpecs(ports));
const db = new DatabaseClient({ addresses: ports.dbNodes.map((p) => `127.0.0.1:${p}`), deadlineMs: 5000 });
const executor = new ExecutorClient({
  addresses: ports.executors.map((p) => `127.0.0.1:${p}`),
  deadlineMs: 5000,
});
let failed = false;
try {
  console.log(`seed ${seed}, ${runs} HTTP requests`);
  const stock = await stockSnapshot(db);
  let t0 = performance.now();
  const http = await fuzzHttp(`http://127.0.0.1:${ports.orchestrator}`, fuzzSamples(), { runs, seed });
  const httpSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const addresses = system.processes.flatMap((p) => ("grpc" in p.spec.ready ? [p.spec.ready.grpc] : []));
  const grpc = await fuzzGrpc(addresses, { runs: Math.max(5, Math.ceil(runs / 50)), seed });
  const grpcSeconds = (performance.now() - t0) / 1000;
  const problems = await systemProblems(system, { db, executor }, stock, [
    ...http.accepted,
    ...grpc.accepted,
  ]);
  console.log("\n| target | requests | per s | violations | answers |\n|---|---:|---:|---:|---|");
  console.log(row("HTTP routes", http, httpSeconds));
  console.log(row("gRPC methods", grpc, grpcSeconds));
  for (const v of [...http.violations, ...grpc.violations].slice(0, 20)) console.log(JSON.stringify(v));
  for (const p of problems) console.log(`system: ${p}`);
  failed = http.violations.length + grpc.violations.length + problems.length > 0;
  console.log(`\n${failed ? "FAILED" : "ok"}: every process alive and healthy: ${problems.length === 0}`);
} finally {
  await system.stop();
  rmSync(ports.dbDataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
