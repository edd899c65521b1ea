// One service process on one test host (a network namespace): started with `ip netns exec`, its
// output appended to a log file, and the signals the nemesis sends it — SIGSTOP/SIGCONT (a frozen
// process that wakes up later), SIGKILL (a crash), SIGTERM (a clean stop). setpriv makes the kernel
// kill it if the harness itself dies, so nothing outlives an interrupted run.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, type WriteStream } from "node:fs";
import { checkHealth } from "@bookstore/kit";
import type { NamespaceNetwork } from "./net-namespaces.js";

const root = new URL("../..", import.meta.url).pathname;
const SETPRIV = "/usr/bin/setpriv";

export interface HostProcessSpec {
  /** The node's name in logs and reports (db1, ex4, payment). */
  name: string;
  host: string;
  /** Entry file relative to the repository root. */
  entry: string;
  env: Record<string, string>;
  /** host:port answering grpc.health.v1 once it is ready. */
  address: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class HostProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log: WriteStream;
  paused = false;

  constructor(
    readonly spec: HostProcessSpec,
    private readonly net: NamespaceNetwork,
    logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: "a" });
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.child) throw new Error(`${this.spec.name} is already running`);
    const guard = existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "KILL"] : [];
    const child = spawn(
      "ip",
      [
        "netns",
        "exec",
        this.net.ns(this.spec.host),
        ...guard,
        process.execPath,
        "--import",
        "tsx",
        this.spec.entry,
      ],
      { cwd: root, env: { ...process.env, ...this.spec.env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.log.write(`--- ${new Date().toISOString()} start ${this.spec.name} on ${this.spec.host}\n`);
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
    this.paused = false;
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.log.write(`--- ${new Date().toISOString()} ${this.spec.name} exited (${code ?? signal})\n`);
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
  }

  /** Waits until the process answers its health check; fails if it exits first or takes too long. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (!this.child) throw new Error(`${this.spec.name} exited before it was ready`);
      if ((await checkHealth(this.spec.address, "", 500)) === "SERVING") return;
      await sleep(100);
    }
    throw new Error(`${this.spec.name} was not ready within ${timeoutMs} ms`);
  }

  pause(): void {
    if (!this.child || this.paused) return;
    this.child.kill("SIGSTOP");
    this.paused = true;
  }

  resume(): void {
    if (!this.child || !this.paused) return;
    this.child.kill("SIGCONT");
    this.paused = false;
  }

  /** SIGKILL: a crash, nothing flushed that was not already fsync'd. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM (woken first if frozen), then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.child) return;
    this.resume();
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child?.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await this.kill();
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}
