// Checkout suite: approved orders (random carts of 1-3 catalog books) through every validation
// service, suggestions included, over HTTP at 1, 16 and 64 concurrent clients (autocannon), and the
// machine's floor: a trivial gRPC echo, one call at a time (the latency of one hop) and 64 in flight
// (the cost of one call), from one process with the same library and settings. Every service runs
// as its own process.
import { fork } from "node:child_process";
import { rmSync } from "node:fs";
import { callUnary, clientFor, closeAllClients } from "@bookstore/kit";
import { EchoServiceClient } from "@bookstore/proto";
import { freeSystemPorts, startSystem, systemSpecs } from "../../scripts/system.js";
import { type BenchRow, round } from "../lib/report.js";
import { checkoutLoad } from "../support/checkout-bodies.js";
import { closedLoop, summarize, warmupSeconds } from "../support/load.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);

async function echoFloor(): Promise<BenchRow[]> {
  const child = fork(new URL("../support/echo-server.ts", import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const port = await new Promise<number>((resolve) =>
      child.once("message", (m) => resolve((m as { port: number }).port)),
    );
    const client = clientFor(EchoServiceClient, `127.0.0.1:${port}`);
    const message = "x".repeat(64);
    const rows: BenchRow[] = [];
    for (const clients of [1, 64]) {
      const result = await closedLoop(clients, seconds, async () => {
        await callUnary(client, client.echo, { message }, { deadlineMs: 5000 });
        return true;
      });
      rows.push({ suite: "checkout", case: "echo", clients, ...summarize(result) });
    }
    return rows;
  } finally {
    child.kill("SIGTERM");
    closeAllClients();
  }
}

export default async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = await echoFloor();
  const ports = await freeSystemPorts();
  const specs = systemSpecs(ports, { LOG_LEVEL: "warn", TRUST_PROXY: "true" });
  // BENCH_PROFILE=dir writes a CPU profile of every service there (open in Chrome DevTools).
  const profileDir = process.env.BENCH_PROFILE;
  if (profileDir) for (const spec of specs) spec.nodeArgs = ["--cpu-prof", `--cpu-prof-dir=${profileDir}`];
  const system = await startSystem(specs);
  try {
    const url = `http://127.0.0.1:${ports.orchestrator}`;
    await checkoutLoad(url, 64, warmupSeconds, 0); // compiled code before any case is measured
    for (const clients of [1, 16, 64]) {
      rows.push({ suite: "checkout", case: "checkout", ...(await checkoutLoad(url, clients, seconds)) });
    }
  } finally {
    await system.stop();
    rmSync(ports.dbDataDir, { recursive: true, force: true });
  }
  const echo = rows.find((r) => r.case === "echo" && r.clients === 64)?.ops_per_s ?? 0;
  const at64 = rows.find((r) => r.case === "checkout" && r.clients === 64);
  if (at64 && at64.ops_per_s > 0) at64.echo_calls_per_checkout = round(echo / at64.ops_per_s, 1);
  return rows;
}
