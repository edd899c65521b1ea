// Spawns and drives a cluster of bench-node processes (used by the benchmark and process tests).
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RaftStatus } from "../node/raft-node.js";
import type { BenchNodeOptions } from "./bench-node.js";

const entry = fileURLToPath(new URL("./bench-node.ts", import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

type Reply = { rid?: number; type: string; [k: string]: unknown };

export class ProcessNode {
  child: ChildProcess | undefined;
  private rid = 0;
  private readonly waiters = new Map<number, (r: Reply) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  onAcked: ((keys: string[]) => void) | undefined;

  constructor(readonly opts: BenchNodeOptions) {}

  async start(): Promise<void> {
    const child = fork(entry, [JSON.stringify(this.opts)], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child = child;
    child.on("exit", () => {
      // Whatever was asked of a dead process will never be answered.
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      for (const w of this.waiters.values()) w({ type: "exited", error: "process exited" });
      this.waiters.clear();
    });
    child.on("message", (m: Reply) => {
      if (m.type === "acked") {
        this.onAcked?.(m.keys as string[]);
        return;
      }
      if (m.rid === undefined) return;
      const w = this.waiters.get(m.rid);
      if (w) {
        this.waiters.delete(m.rid);
        w(m);
      }
    });
    await new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve());
      child.once("exit", (code) => reject(new Error(`node ${this.opts.id} exited with ${code}`)));
    });
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  request(req: object, timeoutMs = 30_000): Promise<Reply> {
    const rid = ++this.rid;
    return new Promise((resolve, reject) => {
      if (!this.alive) return reject(new Error(`${this.opts.id} is not running`));
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.waiters.delete(rid);
        reject(new Error(`${this.opts.id}: request timed out`));
      }, timeoutMs);
      this.timers.add(t);
      this.waiters.set(rid, (r) => {
        clearTimeout(t);
        this.timers.delete(t);
        resolve(r);
      });
      this.child?.send({ ...req, rid });
    });
  }

  async status(): Promise<RaftStatus | undefined> {
    if (!this.alive) return undefined;
    try {
      return (await this.request({ type: "status" }, 2000)).status as RaftStatus;
    } catch {
      return undefined;
    }
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.alive) this.child?.kill(signal);
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((r) => this.child?.once("exit", () => r()));
    try {
      await this.request({ type: "stop" }, 5000);
    } catch {
      this.kill();
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    this.kill();
  }
}

export interface ClusterOptions {
  nodes?: number;
  tickMs?: number;
  electionTick?: number;
}

export class ProcessCluster {
  readonly nodes: ProcessNode[] = [];
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async start(o: ClusterOptions = {}): Promise<ProcessCluster> {
    const n = o.nodes ?? 3;
    const c = new ProcessCluster(mkdtempSync(join(tmpdir(), "raft-cluster-")));
    const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
    const peers = ports.map((p, i) => ({ id: `n${i + 1}`, address: `127.0.0.1:${p}` }));
    const token = randomBytes(16).toString("hex");
    for (let i = 0; i < n; i++) {
      c.nodes.push(
        new ProcessNode({
          id: `n${i + 1}`,
          port: ports[i] as number,
          peers,
          dataDir: join(c.dir, `n${i + 1}`),
          tickMs: o.tickMs ?? 50,
          electionTick: o.electionTick ?? 10,
          token,
        }),
      );
    }
    try {
      await Promise.all(c.nodes.map((node) => node.start()));
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  /** Polls until a live node reports itself leader (optionally with a term above `minTerm`). */
  async waitForLeader(
    timeoutMs = 10_000,
    minTerm = 0,
    pollMs = 20,
  ): Promise<{ node: ProcessNode; term: number }> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      for (const n of this.nodes) {
        const s = await n.status();
        if (s?.role === "leader" && s.term > minTerm) return { node: n, term: s.term };
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    throw new Error("no leader elected in time");
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
