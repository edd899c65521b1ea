// Starts the bookstore's processes, each as its own Node process, waits until each is healthy and
// stops them all. Used by `npm start` (ports from the environment, see launch-config.ts), by the
// whole-system tests and by the benchmarks (free ports).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { checkHealth, closeAllClients, freePort, portInUse } from "@bookstore/kit";

export { freePort, portInUse };

const root = new URL("..", import.meta.url).pathname;

export interface ProcessSpec {
  name: string;
  /** Entry file relative to the repository root. */
  entry: string;
  env: Record<string, string>;
  /** Ports it listens on (checked free before anything starts). */
  ports: number[];
  ready: { grpc: string } | { http: string };
  /** Extra node flags, e.g. --cpu-prof when profiling a benchmark. */
  nodeArgs?: string[];
}

export interface SystemPorts {
  orchestrator: number;
  fraudDetection: number;
  transactionVerification: number;
  suggestions: number;
  payment: number;
  /** Admin HTTP ports (metrics, livez, readyz); 0 = any free port. */
  admin: { fraudDetection: number; transactionVerification: number; suggestions: number; payment: number };
  /** Suggestions' embedded Postgres directory; undefined = in memory (tests and benchmarks). */
  suggestionsDataDir?: string;
  /** The db-nodes' gRPC ports, one per node (client API and Raft transport on the same port). */
  dbNodes: number[];
  /** db-node admin HTTP ports; 0 = any free port. */
  dbAdmin: number[];
  /** Parent of the db-nodes' data directories (<dir>/<id>). */
  dbDataDir: string;
  /** The payment service's store (vault, holds, captures). */
  paymentDataDir: string;
  /** The order executors' gRPC ports (OrderExecutorService and Raft on the same port). */
  executors: number[];
  /** Order-executor admin HTTP ports; 0 = any free port. */
  executorAdmin: number[];
  /** Parent of the executors' data directories (<dir>/<id>). */
  executorDataDir: string;
}

export const defaultPorts: SystemPorts = {
  orchestrator: 8080,
  fraudDetection: 50051,
  transactionVerification: 50052,
  suggestions: 50053,
  payment: 50054,
  admin: { fraudDetection: 51051, transactionVerification: 51052, suggestions: 51053, payment: 51054 },
  suggestionsDataDir: "./var/suggestions",
  dbNodes: [50066, 50067, 50068],
  dbAdmin: [51066, 51067, 51068],
  dbDataDir: "./var/db-node",
  paymentDataDir: "./var/payment",
  executors: [50061, 50062, 50063],
  executorAdmin: [51061, 51062, 51063],
  executorDataDir: "./var/order-executor",
};

/** The payment service: card vault and 2PC participant, on its own single-node Raft store. */
export function paymentSpec(
  at: { port: number; adminPort: number; dataDir: string },
  extraEnv: Record<string, string> = {},
): ProcessSpec {
  return {
    name: "payment",
    entry: "services/payment/src/index.ts",
    env: {
      PAYMENT_PORT: String(at.port),
      PAYMENT_ADMIN_PORT: String(at.adminPort),
      PAYMENT_DATA_DIR: at.dataDir,
      ...extraEnv,
    },
    ports: [at.port, at.adminPort].filter((p) => p !== 0),
    ready: { grpc: `127.0.0.1:${at.port}` },
  };
}

/** The order-executor cluster: Raft, the priority queue and the two-phase-commit coordinator. */
function executorSpecs(
  ports: SystemPorts,
  dbNodes: string,
  payment: string,
  extraEnv: Record<string, string>,
): ProcessSpec[] {
  const peers = ports.executors.map((p, i) => `ex${i + 1}=127.0.0.1:${p}`).join(",");
  return ports.executors.map((port, i) => ({
    name: `order-executor-${i + 1}`,
    entry: "services/order-executor/src/index.ts",
    env: {
      EXECUTOR_NODE_ID: `ex${i + 1}`,
      EXECUTOR_PORT: String(port),
      EXECUTOR_ADMIN_PORT: String(ports.executorAdmin[i] ?? 0),
      EXECUTOR_PEERS: peers,
      EXECUTOR_DATA_DIR: `${ports.executorDataDir}/ex${i + 1}`,
      DB_NODES: dbNodes,
      PAYMENT_ADDR: payment,
      ...extraEnv,
    },
    ports: [port, ports.executorAdmin[i] ?? 0].filter((p) => p !== 0),
    ready: { grpc: `127.0.0.1:${port}` },
  }));
}

/** The admin ports the dashboard reads metrics from, as METRICS_TARGETS (those set to 0 are unknown). */
function metricsTargets(ports: SystemPorts, withSuggestions: boolean): string {
  const named: [string, number][] = [
    ["transaction-verification", ports.admin.transactionVerification],
    ["fraud-detection", ports.admin.fraudDetection],
    ...(withSuggestions ? [["suggestions", ports.admin.suggestions] as [string, number]] : []),
    ["payment", ports.admin.payment],
    ...ports.dbAdmin.map((p, i): [string, number] => [`db-node-${i + 1}`, p]),
    ...ports.executorAdmin.map((p, i): [string, number] => [`order-executor-${i + 1}`, p]),
  ];
  return named
    .filter(([, port]) => port !== 0)
    .map(([name, port]) => `${name}=127.0.0.1:${port}`)
    .join(",");
}

/**
 * Every process of the system, in the order they start (the orchestrator last). `withoutSuggestions`
 * leaves the suggestions service out (tests of order execution start faster; checkout works without).
 */
export function systemSpecs(
  ports: SystemPorts,
  extraEnv: Record<string, string> = {},
  options: { withoutSuggestions?: boolean } = {},
): ProcessSpec[] {
  const host = "127.0.0.1";
  const payment = `${host}:${ports.payment}`;
  const executors = ports.executors.map((p) => `${host}:${p}`).join(",");
  const fd = `${host}:${ports.fraudDetection}`;
  const tv = `${host}:${ports.transactionVerification}`;
  const sg = `${host}:${ports.suggestions}`;
  const dbAddresses = ports.dbNodes.map((p) => `${host}:${p}`);
  const dbPeers = dbAddresses.map((a, i) => `db${i + 1}=${a}`).join(",");
  const dbNodes: ProcessSpec[] = ports.dbNodes.map((port, i) => ({
    name: `db-node-${i + 1}`,
    entry: "services/db-node/src/index.ts",
    env: {
      DB_NODE_ID: `db${i + 1}`,
      DB_PORT: String(port),
      DB_ADMIN_PORT: String(ports.dbAdmin[i] ?? 0),
      DB_PEERS: dbPeers,
      DB_DATA_DIR: `${ports.dbDataDir}/db${i + 1}`,
      ...extraEnv,
    },
    ports: [port, ports.dbAdmin[i] ?? 0].filter((p) => p !== 0),
    ready: { grpc: `${host}:${port}` },
  }));
  return [
    ...dbNodes,
    paymentSpec(
      { port: ports.payment, adminPort: ports.admin.payment, dataDir: ports.paymentDataDir },
      extraEnv,
    ),
    ...executorSpecs(ports, dbAddresses.join(","), payment, extraEnv),
    {
      name: "fraud-detection",
      entry: "services/fraud-detection/src/index.ts",
      env: {
        FD_PORT: String(ports.fraudDetection),
        FD_ADMIN_PORT: String(ports.admin.fraudDetection),
        ...extraEnv,
      },
      ports: [ports.fraudDetection, ports.admin.fraudDetection].filter((p) => p !== 0),
      ready: { grpc: fd },
    },
    {
      name: "transaction-verification",
      entry: "services/transaction-verification/src/index.ts",
      env: {
        TV_PORT: String(ports.transactionVerification),
        TV_ADMIN_PORT: String(ports.admin.transactionVerification),
        ...extraEnv,
      },
      ports: [ports.transactionVerification, ports.admin.transactionVerification].filter((p) => p !== 0),
      ready: { grpc: tv },
    },
    ...(options.withoutSuggestions
      ? []
      : [
          {
            name: "suggestions",
            entry: "services/suggestions/src/index.ts",
            env: {
              SUGGESTIONS_PORT: String(ports.suggestions),
              SUGGESTIONS_ADMIN_PORT: String(ports.admin.suggestions),
              SUGGESTIONS_DATA_DIR: ports.suggestionsDataDir ?? "memory://",
              ...extraEnv,
            },
            ports: [ports.suggestions, ports.admin.suggestions].filter((p) => p !== 0),
            ready: { grpc: sg },
          },
        ]),
    {
      name: "orchestrator",
      entry: "services/orchestrator/src/index.ts",
      env: {
        ORCHESTRATOR_PORT: String(ports.orchestrator),
        TV_ADDR: tv,
        FD_ADDR: fd,
        SUGGESTIONS_ADDR: options.withoutSuggestions ? "" : sg,
        DB_NODES: dbAddresses.join(","),
        PAYMENT_ADDR: payment,
        EXECUTOR_NODES: executors,
        METRICS_TARGETS: metricsTargets(ports, !options.withoutSuggestions),
        ...extraEnv,
      },
      ports: [ports.orchestrator],
      ready: { http: `http://${host}:${ports.orchestrator}/api/health` },
    },
  ];
}

export interface RunningProcess {
  spec: ProcessSpec;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
}

/** Free ports for every process; `nodes` sizes both Raft clusters. */
export async function freeSystemPorts(nodes = 3): Promise<SystemPorts> {
  const dbDataDir = mkdtempSync(join(tmpdir(), "bookstore-db-"));
  const several = async () => {
    const ports: number[] = [];
    for (let i = 0; i < nodes; i++) ports.push(await freePort());
    return ports;
  };
  return {
    orchestrator: await freePort(),
    fraudDetection: await freePort(),
    transactionVerification: await freePort(),
    suggestions: await freePort(),
    payment: await freePort(),
    admin: { fraudDetection: 0, transactionVerification: 0, suggestions: 0, payment: 0 },
    dbNodes: await several(),
    dbAdmin: Array<number>(nodes).fill(0),
    // A fresh store per test or benchmark run; the caller removes it after stopping the system.
    dbDataDir,
    // Inside the same directory, so removing dbDataDir removes them too.
    paymentDataDir: join(dbDataDir, "payment"),
    executors: await several(),
    executorAdmin: Array<number>(nodes).fill(0),
    executorDataDir: join(dbDataDir, "order-executor"),
  };
}

export function startProcess(
  spec: ProcessSpec,
  onLine: (name: string, line: string) => void,
): RunningProcess {
  const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), "--import", "tsx", spec.entry], {
    cwd: root,
    env: { ...process.env, ...spec.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on("line", (line) => onLine(spec.name, line));
  }
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  return { spec, child, exited };
}

async function isReady(spec: ProcessSpec): Promise<boolean> {
  if ("grpc" in spec.ready) return (await checkHealth(spec.ready.grpc, "", 500)) === "SERVING";
  try {
    const response = await fetch(spec.ready.http, { signal: AbortSignal.timeout(1000) });
    return response.status < 500;
  } catch {
    return false;
  }
}

/**
 * Waits until the process answers its health check; fails if it exits first or takes too long.
 * Every process starts at once on a 2-core machine, so the budget covers all of them compiling and
 * initialising together (suggestions alone took 15 s of it with other suites running, and over 60 s
 * at a load average of 10).
 */
export async function waitReady(running: RunningProcess, timeoutMs = 120_000): Promise<void> {
  let exitedWith: number | string | undefined;
  void running.exited.then((code) => {
    exitedWith = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitedWith !== undefined)
      throw new Error(`${running.spec.name} exited (${exitedWith}) before it was ready`);
    if (await isReady(running.spec)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${running.spec.name} was not ready within ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL after `graceMs` for whatever is still running. */
export async function stopProcesses(processes: RunningProcess[], graceMs = 8000): Promise<void> {
  await Promise.all(
    processes.map(async (p) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      p.child.kill("SIGTERM");
      const timer = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
      await p.exited;
      clearTimeout(timer);
    }),
  );
}

export interface System {
  processes: RunningProcess[];
  byName(name: string): RunningProcess;
  stop(): Promise<void>;
}

/** Starts every spec in order, each once the previous ones are ready (the orchestrator comes last). */
export async function startSystem(
  specs: ProcessSpec[],
  onLine: (name: string, line: string) => void = () => {},
  /** How long each process may take to become ready (a loaded machine needs more). */
  readyTimeoutMs = 120_000,
): Promise<System> {
  const processes: RunningProcess[] = [];
  const stop = async () => {
    await stopProcesses(processes);
    closeAllClients();
  };
  try {
    const backends = specs.filter((s) => "grpc" in s.ready);
    const started = backends.map((s) => startProcess(s, onLine));
    processes.push(...started);
    await Promise.all(started.map((p) => waitReady(p, readyTimeoutMs)));
    for (const spec of specs.filter((s) => "http" in s.ready)) {
      const p = startProcess(spec, onLine);
      processes.push(p);
      await waitReady(p, readyTimeoutMs);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    processes,
    byName: (name) => {
      const found = processes.find((p) => p.spec.name === name);
      if (!found) throw new Error(`no process ${name}`);
      return found;
    },
    stop,
  };
}
