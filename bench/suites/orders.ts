// Orders suite: checkout to COMPLETED, end to end. Every service its own process, as `npm start`
// runs them. Each client POSTs /api/checkout and follows the order's server-sent events until it is
// COMPLETED or FAILED; only COMPLETED orders count. At 1, 16 and 64 clients: completed orders/s,
// p50/p99 from the POST to COMPLETED, and the largest queue depth seen on the executor leader. In
// the same run, "validation only": a second orchestrator on the same services that does not place
// orders, at 64 clients from the same load generator — the rate execution is compared against. Both
// paths first run unmeasured for BENCH_WARMUP_SECONDS (30) each, so that every case meets compiled
// code; at 64 clients they then take turns, BENCH_ROUNDS (3) of BENCH_SECONDS (10) each.
// For each run, a "cpu ms per order" row: every service's processor time per counted order (with
// more processes than cores, this bounds the rate).
import { rmSync } from "node:fs";
import { closeAllClients, freePort } from "@bookstore/kit";
import { freeSystemPorts, startProcess, startSystem, systemSpecs, waitReady } from "../../scripts/system.js";
import { ExecutorClient } from "../../services/orchestrator/src/executor-client.js";
import { type BenchRow, round, type TableRow } from "../lib/report.js";
import { orderBody, randomIp } from "../support/checkout-bodies.js";
import { httpRequest } from "../support/http-client.js";
import { closedLoop, type LoadResult, mergeLoads, summarize, warmupSeconds } from "../support/load.js";
import { cpuMeter, type NamedProcess } from "../support/process-cpu.js";
import { restock } from "../support/stock.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

/** Follows the order's events until it is finished; true when COMPLETED. */
async function completed(url: string, orderId: string): Promise<boolean> {
  const { body } = await httpRequest(`${url}/api/orders/${orderId}/events`); // ends when finished
  return /"status":"COMPLETED"/.test(body.slice(body.lastIndexOf("data: ")));
}

/** One checkout with a new order: the answer's status and the order id it gave. */
async function postCheckout(url: string): Promise<{ status: number; orderId?: string }> {
  const response = await httpRequest(`${url}/api/checkout`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": randomIp() },
    body: orderBody(),
  });
  const { orderId } = JSON.parse(response.body) as { orderId?: string };
  return { status: response.status, orderId };
}

async function placeAndWait(url: string): Promise<boolean> {
  const { status, orderId } = await postCheckout(url);
  return status === 201 && orderId !== undefined && completed(url, orderId);
}

/** A checkout the validation-only orchestrator approves (it places nothing). */
async function validateOnly(url: string): Promise<boolean> {
  return (await postCheckout(url)).status === 201;
}

/** The deepest queue any executor reported while `work` ran. */
async function watchQueue<T>(
  executor: ExecutorClient,
  work: Promise<T>,
): Promise<{ result: T; maxQueue: number }> {
  let maxQueue = 0;
  let done = false;
  const poll = (async () => {
    while (!done) {
      for (const s of await executor.statusAll(500))
        if (s.status === "online") maxQueue = Math.max(maxQueue, s.queuedJobs);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const result = await work;
  done = true;
  await poll;
  return { result, maxQueue };
}

interface Measured {
  result: LoadResult;
  cpu: Map<string, number>;
  maxQueue: number;
}

/** One measured stretch of `op` from `clients` at once: its load, each group's CPU ms, the queue. */
async function measured(
  executor: ExecutorClient,
  named: () => NamedProcess[],
  clients: number,
  op: () => Promise<boolean>,
): Promise<Measured> {
  let cpu = cpuMeter([]);
  const { result, maxQueue } = await watchQueue(
    executor,
    closedLoop(clients, seconds, op, 2, () => {
      cpu = cpuMeter(named());
    }),
  );
  return { result, cpu: cpu(), maxQueue };
}

/** Rounds of one case as one: loads and CPU summed, the deepest queue. */
function merge(parts: Measured[]): Measured {
  const cpu = new Map<string, number>();
  for (const p of parts) for (const [group, ms] of p.cpu) cpu.set(group, (cpu.get(group) ?? 0) + ms);
  return {
    result: mergeLoads(parts.map((p) => p.result)),
    cpu,
    maxQueue: Math.max(...parts.map((p) => p.maxQueue)),
  };
}

/** Each group's CPU ms per counted order, and their total. */
function cpuRow(cpu: Map<string, number>, orders: number, clients: number, kind: string): TableRow {
  const row: TableRow = { suite: "orders", case: `cpu ms per order (${kind})`, clients };
  let total = 0;
  for (const [group, ms] of [...cpu].sort(([a], [b]) => a.localeCompare(b))) {
    row[group] = round(ms / Math.max(1, orders), 1);
    total += ms;
  }
  row.total = round(total / Math.max(1, orders), 1);
  return row;
}

export default async function run(): Promise<TableRow[][]> {
  const ports = await freeSystemPorts();
  const specs = systemSpecs(ports, { LOG_LEVEL: "warn", TRUST_PROXY: "true" });
  const profileDir = process.env.BENCH_PROFILE;
  if (profileDir) for (const spec of specs) spec.nodeArgs = ["--cpu-prof", `--cpu-prof-dir=${profileDir}`];
  const system = await startSystem(specs);
  const orchestrator = specs.find((s) => s.name === "orchestrator");
  const validationPort = await freePort();
  const validating = startProcess(
    {
      ...(orchestrator as (typeof specs)[number]),
      name: "orchestrator (validation only)",
      env: { ...orchestrator?.env, ORCHESTRATOR_PORT: String(validationPort), PAYMENT_ADDR: "" },
      ports: [validationPort],
      ready: { http: `http://127.0.0.1:${validationPort}/api/health` },
    },
    () => {},
  );
  const rows: BenchRow[] = [];
  const cpuRows: TableRow[] = [];
  const named = (): NamedProcess[] =>
    [...system.processes, validating].map((p) => ({ name: p.spec.name, pid: p.child.pid }));
  try {
    await waitReady(validating);
    await restock(ports.dbNodes);
    const executor = new ExecutorClient({
      addresses: ports.executors.map((p) => `127.0.0.1:${p}`),
      deadlineMs: 2000,
    });
    const url = `http://127.0.0.1:${ports.orchestrator}`;
    const validationUrl = `http://127.0.0.1:${validationPort}`;
    const place = () => placeAndWait(url);
    const validate = () => validateOnly(validationUrl);
    // Both paths warm before either is measured: otherwise the cases measured first pay for
    // compiling what the later ones run compiled (see warmupSeconds).
    await closedLoop(64, warmupSeconds, place, 0);
    await closedLoop(64, warmupSeconds, validate, 0);
    const measure = (clients: number, op: () => Promise<boolean>) => measured(executor, named, clients, op);
    const report = (kind: "completed" | "validation only", clients: number, parts: Measured[]) => {
      const m = merge(parts);
      cpuRows.push(cpuRow(m.cpu, m.result.ops, clients, kind));
      const row: BenchRow = { suite: "orders", case: kind, clients, ...summarize(m.result) };
      if (kind === "completed") row.max_queue = m.maxQueue; // validation only queues nothing
      rows.push(row);
    };
    for (const clients of [1, 16]) report("completed", clients, [await measure(clients, place)]);
    // At 64 the two paths take turns, so that the VM's drifting speed (up to 1.7× from one minute
    // to the next here) weighs on both alike; each row sums its rounds.
    const placedRounds: Measured[] = [];
    const validatedRounds: Measured[] = [];
    for (let i = 0; i < rounds; i++) {
      placedRounds.push(await measure(64, place));
      validatedRounds.push(await measure(64, validate));
    }
    report("completed", 64, placedRounds);
    report("validation only", 64, validatedRounds);
  } finally {
    validating.child.kill("SIGTERM");
    await validating.exited;
    await system.stop();
    closeAllClients();
    rmSync(ports.dbDataDir, { recursive: true, force: true });
  }
  const at64 = rows.find((r) => r.case === "completed" && r.clients === 64);
  const base = rows.find((r) => r.case === "validation only");
  if (at64 && base && base.ops_per_s > 0) at64.vs_validation_only = round(at64.ops_per_s / base.ops_per_s, 2);
  return [rows, cpuRows];
}
