// What `npm start` runs, from its flags and the environment: every port a user sets is honoured
// (the services' own schemas give the defaults and the checks), a cluster's port is its first
// node's and the others follow (DB_PORT=60066 with 3 nodes: 60066, 60067, 60068), and `--nodes N`
// sizes both Raft clusters. Pure: parsed once, tested without starting anything.
import { join } from "node:path";
import { ConfigError, parseConfig } from "@bookstore/kit";
import { z } from "zod";
import { configSchema as dbNode } from "../services/db-node/src/config.js";
import { configSchema as fraud } from "../services/fraud-detection/src/config.js";
import { configSchema as orchestrator } from "../services/orchestrator/src/config.js";
import { configSchema as executor } from "../services/order-executor/src/config.js";
import { configSchema as payment } from "../services/payment/src/config.js";
import { configSchema as suggestions } from "../services/suggestions/src/config.js";
import { configSchema as verification } from "../services/transaction-verification/src/config.js";
import type { SystemPorts } from "./system.js";

export interface LaunchConfig {
  ports: SystemPorts;
  nodes: number;
  raw: boolean;
  help: boolean;
}

const fixedPort = (schema: z.ZodType<number>) =>
  schema.refine((p) => p !== 0, "must be a fixed port (the other nodes are told it), not 0");

const portsSchema = z.object({
  ORCHESTRATOR_PORT: orchestrator.shape.ORCHESTRATOR_PORT,
  FD_PORT: fraud.shape.FD_PORT,
  FD_ADMIN_PORT: fraud.shape.FD_ADMIN_PORT,
  TV_PORT: verification.shape.TV_PORT,
  TV_ADMIN_PORT: verification.shape.TV_ADMIN_PORT,
  SUGGESTIONS_PORT: suggestions.shape.SUGGESTIONS_PORT,
  SUGGESTIONS_ADMIN_PORT: suggestions.shape.SUGGESTIONS_ADMIN_PORT,
  PAYMENT_PORT: payment.shape.PAYMENT_PORT,
  PAYMENT_ADMIN_PORT: payment.shape.PAYMENT_ADMIN_PORT,
  DB_PORT: fixedPort(dbNode.shape.DB_PORT),
  DB_ADMIN_PORT: dbNode.shape.DB_ADMIN_PORT,
  EXECUTOR_PORT: fixedPort(executor.shape.EXECUTOR_PORT),
  EXECUTOR_ADMIN_PORT: executor.shape.EXECUTOR_ADMIN_PORT,
});

/** Cluster sizes with a majority that survives (n − 1) / 2 failures. */
const clusterSizes = [1, 3, 5, 7];

/** Consecutive ports from `first`; 0 (any free port) for every node when `first` is 0. */
function range(first: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (first === 0 ? 0 : first + i));
}

function flagValue(argv: string[], flag: string): string | undefined {
  const at = argv.indexOf(flag);
  if (at === -1) return undefined;
  const value = argv[at + 1];
  if (value === undefined || value.startsWith("--")) throw new ConfigError(`${flag} needs a value`);
  return value;
}

function nodeCount(argv: string[]): number {
  const given = flagValue(argv, "--nodes");
  if (given === undefined) return 3;
  const n = Number(given);
  if (!clusterSizes.includes(n))
    throw new ConfigError(`--nodes must be one of ${clusterSizes.join(", ")} (got ${JSON.stringify(given)})`);
  return n;
}

const known = new Set(["--nodes", "--data-dir", "--raw", "--help"]);

/** The launch from `npm start -- <argv>` and the environment; ConfigError names what is wrong. */
export function launchConfig(argv: string[], environment: Record<string, string | undefined>): LaunchConfig {
  const unknown = argv.find((a, i) => a.startsWith("--") && !known.has(a) && !known.has(argv[i - 1] ?? ""));
  if (unknown !== undefined) throw new ConfigError(`unknown option ${unknown} (see --help)`);
  const nodes = nodeCount(argv);
  const dataDir = flagValue(argv, "--data-dir") ?? "./var";
  const p = parseConfig(portsSchema, environment);
  const ports: SystemPorts = {
    orchestrator: p.ORCHESTRATOR_PORT,
    fraudDetection: p.FD_PORT,
    transactionVerification: p.TV_PORT,
    suggestions: p.SUGGESTIONS_PORT,
    payment: p.PAYMENT_PORT,
    admin: {
      fraudDetection: p.FD_ADMIN_PORT,
      transactionVerification: p.TV_ADMIN_PORT,
      suggestions: p.SUGGESTIONS_ADMIN_PORT,
      payment: p.PAYMENT_ADMIN_PORT,
    },
    suggestionsDataDir: environment.SUGGESTIONS_DATA_DIR || join(dataDir, "suggestions"),
    dbNodes: range(p.DB_PORT, nodes),
    dbAdmin: range(p.DB_ADMIN_PORT, nodes),
    dbDataDir: join(dataDir, "db-node"),
    paymentDataDir: environment.PAYMENT_DATA_DIR || join(dataDir, "payment"),
    executors: range(p.EXECUTOR_PORT, nodes),
    executorAdmin: range(p.EXECUTOR_ADMIN_PORT, nodes),
    executorDataDir: join(dataDir, "order-executor"),
  };
  assertDistinct(ports);
  return { ports, nodes, raw: argv.includes("--raw"), help: argv.includes("--help") };
}

/** Two processes told the same port would fail late and confusingly: say which at once. */
function assertDistinct(ports: SystemPorts): void {
  const named: [string, number][] = [
    ["ORCHESTRATOR_PORT", ports.orchestrator],
    ["FD_PORT", ports.fraudDetection],
    ["FD_ADMIN_PORT", ports.admin.fraudDetection],
    ["TV_PORT", ports.transactionVerification],
    ["TV_ADMIN_PORT", ports.admin.transactionVerification],
    ["SUGGESTIONS_PORT", ports.suggestions],
    ["SUGGESTIONS_ADMIN_PORT", ports.admin.suggestions],
    ["PAYMENT_PORT", ports.payment],
    ["PAYMENT_ADMIN_PORT", ports.admin.payment],
    ...ports.dbNodes.map((port, i): [string, number] => [`DB_PORT (db${i + 1})`, port]),
    ...ports.dbAdmin.map((port, i): [string, number] => [`DB_ADMIN_PORT (db${i + 1})`, port]),
    ...ports.executors.map((port, i): [string, number] => [`EXECUTOR_PORT (ex${i + 1})`, port]),
    ...ports.executorAdmin.map((port, i): [string, number] => [`EXECUTOR_ADMIN_PORT (ex${i + 1})`, port]),
  ];
  const seen = new Map<number, string>();
  for (const [name, port] of named) {
    if (port === 0) continue;
    const other = seen.get(port);
    if (other !== undefined) throw new ConfigError(`port ${port} is given to both ${other} and ${name}`);
    seen.set(port, name);
  }
}
