// Starts a db-node cluster as real processes on free loopback ports with temp data directories
// (whole-system tests and the benchmark). Each node is `node --import tsx services/db-node/src/index.ts`.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkHealth, freePort } from "@bookstore/kit";

const root = new URL("../../..", import.meta.url).pathname;
const entry = "services/db-node/src/index.ts";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export interface DbClusterOptions {
  nodes?: number;
  tickMs?: number;
  electionTick?: number;
  env?: Record<string, string>;
  /** Print the nodes' log lines (debugging). */
  verbose?: boolean;
  /** Extra node flags for every node process (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** The nodes' ports (default: free ones). */
  ports?: number[];
}

export class DbProcess {
  child: ChildProcess | undefined;
  exited: Promise<unknown> = Promise.resolve();
  readonly lines: string[] = [];

  constructor(
    readonly id: string,
    readonly address: string,
    readonly env: Record<string, string>,
    private readonly verbose: boolean,
    private readonly nodeArgs: string[] = [],
  ) {}

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [...this.nodeArgs, "--import", "tsx", entry], {
      cwd: root,
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.exited = new Promise((r) => child.once("exit", r));
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        for (const line of chunk.split("\n")) {
          if (!line) continue;
          if (this.verbose) process.stderr.write(`[${this.id}] ${line}\n`);
          this.lines.push(line);
          if (this.lines.length > 200) this.lines.shift();
        }
      });
    }
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`${this.id} exited: ${this.lines.slice(-5).join("\n")}`);
      if ((await checkHealth(this.address, "", 500)) === "SERVING") return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.id} not ready in 30 s`);
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.alive) this.child?.kill(signal);
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    this.kill("SIGTERM");
    const timer = setTimeout(() => this.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

export class DbCluster {
  private constructor(
    readonly dir: string,
    readonly nodes: DbProcess[],
  ) {}

  get addresses(): string[] {
    return this.nodes.map((n) => n.address);
  }

  static async start(o: DbClusterOptions = {}): Promise<DbCluster> {
    const n = o.nodes ?? 3;
    const dir = mkdtempSync(join(tmpdir(), "db-cluster-"));
    const ports = [...(o.ports ?? [])];
    while (ports.length < n) ports.push(await freePort());
    const peers = ports.map((p, i) => `db${i + 1}=127.0.0.1:${p}`).join(",");
    const nodes = ports.map(
      (port, i) =>
        new DbProcess(
          `db${i + 1}`,
          `127.0.0.1:${port}`,
          {
            DB_NODE_ID: `db${i + 1}`,
            DB_PORT: String(port),
            DB_ADMIN_PORT: "0",
            DB_PEERS: peers,
            DB_DATA_DIR: join(dir, `db${i + 1}`),
            DB_ADMIN_TOKEN: ADMIN_TOKEN,
            DB_TICK_MS: String(o.tickMs ?? 40),
            DB_ELECTION_TICK: String(o.electionTick ?? 10),
            LOG_LEVEL: o.verbose ? "info" : "warn",
            ...o.env,
          },
          o.verbose ?? false,
          o.nodeArgs,
        ),
    );
    const cluster = new DbCluster(dir, nodes);
    try {
      await Promise.all(nodes.map((node) => node.start()));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  byAddress(address: string): DbProcess {
    const node = this.nodes.find((n) => n.address === address);
    if (!node) throw new Error(`no node at ${address}`);
    return node;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
