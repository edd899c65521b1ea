// What `npm start` does when a process dies, as an orchestrator (systemd, Kubernetes) would: it
// reports the exit and starts the process again with the same configuration and data directory,
// with backoff (1 s, doubling up to 30 s while it keeps dying; back to 1 s once it has stayed up
// for a minute). The other processes keep serving meanwhile, so a failover can be watched.
import { type RunningProcess, type System, startProcess, waitReady } from "./system.js";

export interface SupervisorOptions {
  onLine: (name: string, line: string) => void;
  /** Operator-facing messages (exits, restarts). */
  report: (message: string) => void;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Up this long, a process counts as healthy again and its backoff resets. */
  stableMs?: number;
}

export class Supervisor {
  private stopping = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly delays = new Map<string, number>();

  constructor(
    private readonly system: System,
    private readonly o: SupervisorOptions,
  ) {
    for (const p of system.processes) this.watch(p);
  }

  /** Stops every process; nothing is restarted any more. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.system.stop();
  }

  private watch(p: RunningProcess): void {
    const startedAt = Date.now();
    void p.exited.then((code) => {
      if (this.stopping) return;
      const first = this.o.firstDelayMs ?? 1000;
      const stable = Date.now() - startedAt >= (this.o.stableMs ?? 60_000);
      const delay = stable
        ? first
        : Math.min(this.o.maxDelayMs ?? 30_000, this.delays.get(p.spec.name) ?? first);
      this.delays.set(p.spec.name, delay * 2);
      this.o.report(`${p.spec.name} exited (${code}); restarting it in ${delay / 1000} s with its data kept`);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.restart(p);
      }, delay);
      this.timers.add(timer);
    });
  }

  private async restart(old: RunningProcess): Promise<void> {
    if (this.stopping) return;
    const fresh = startProcess(old.spec, this.o.onLine);
    const at = this.system.processes.indexOf(old);
    this.system.processes[at] = fresh;
    this.watch(fresh);
    try {
      await waitReady(fresh);
      this.o.report(`${old.spec.name} is back`);
    } catch (error) {
      // It exited or hung while starting: the exit watcher restarts it again, with more backoff.
      this.o.report(`${old.spec.name} did not come back: ${(error as Error).message}`);
      if (fresh.child.exitCode === null && fresh.child.signalCode === null) fresh.child.kill("SIGKILL");
    }
  }
}
