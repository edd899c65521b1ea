// Checkout suite: approved orders (random carts of 1-3 catalog books) through every validation
// service, suggestions included, over HTTP at 1, 16 and 64 concurrent clients (autocannon), and the
// machine's floor: a trivial gRPC echo, one call at a time (the latency of one hop; back to back, and
// 10 or 50 ms apart, with each side's CPU per call: what a process that slept pays) and 64 in flight
// (the cost of one call), from one process with the same library and settings. Every service runs
// as its own process.
import { fork } from "node:child_process";
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { callUnary, clientFor, closeAllClients } from "@bookstore/kit";
import { EchoServiceClient } from "@bookstore/proto";
import { freeSystemPorts, startSystem, systemSpecs } from "../../scripts/system.js";
import { type BenchRow, round } from "../lib/report.js";
import { checkoutLoad } from "../support/checkout-bodies.js";
import { closedLoop, summarize, warmupSeconds } from "../support/load.js";
import { cpuMeter } from "../support/process-cpu.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);

/**
 * One echo at a time for `seconds`, `pauseMs` apart: latency, and each side's CPU per call (which
 * includes what each process spends at rest, more of it per call the longer the pause).
 */
async function pacedEcho(
  echo: () => Promise<unknown>,
  serverPid: number,
  pauseMs: number,
): Promise<BenchRow> {
  const latenciesMs: number[] = [];
  const cpu = cpuMeter([{ name: "server", pid: serverPid }]);
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const start = performance.now();
    await echo();
    latenciesMs.push(performance.now() - start);
    if (pauseMs > 0) await sleep(pauseMs);
  }
  const used = cpu();
  const perCall = (group: string) => round((used.get(group) ?? 0) / latenciesMs.length, 2);
  return {
    suite: "checkout",
    case: pauseMs > 0 ? `echo, ${pauseMs} ms apart` : "echo",
    clients: 1,
    ...summarize({
      ops: latenciesMs.length,
      errors: 0,
      seconds: (performance.now() - t0) / 1000,
      latenciesMs,
    }),
    server_cpu_ms: perCall("server"),
    client_cpu_ms: perCall("bench client"),
  };
}

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
    const echo = () => callUnary(client, client.echo, { message }, { deadlineMs: 5000 });
    await closedLoop(1, 2, () => echo().then(() => true), 0); // connection and JIT
    // Back to back, then with pauses: a process that slept pays more for its next message.
    const rows: BenchRow[] = [];
    for (const pauseMs of [0, 10, 50]) rows.push(await pacedEcho(echo, child.pid as number, pauseMs));
    const result = await closedLoop(64, seconds, () => echo().then(() => true));
    rows.push({ suite: "checkout", case: "echo", clients: 64, ...summarize(result) });
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
