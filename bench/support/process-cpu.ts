// Where the CPU goes: each service's processor time (user + system, from /proc/<pid>/stat) over a
// stretch of load, per unit of work. On a machine with fewer cores than processes, CPU per order
// bounds throughput; this says which process spends it.
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc's counters (USER_HZ, 100 on every Linux Node supports). */
const TICKS_PER_S = 100;

/** CPU time of one process so far, in ms; undefined once it has exited. */
function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** Processes grouped by name: "db-node-2" counts as "db-node". */
export interface NamedProcess {
  name: string;
  pid: number | undefined;
}

function groupOf(name: string): string {
  return name.replace(/-\d+$/, "");
}

function snapshot(processes: NamedProcess[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const p of processes) {
    const ms = p.pid === undefined ? undefined : cpuMsOf(p.pid);
    if (ms === undefined) continue;
    const group = groupOf(p.name);
    totals.set(group, (totals.get(group) ?? 0) + ms);
  }
  const self = process.cpuUsage();
  totals.set("bench client", (self.user + self.system) / 1000);
  return totals;
}

/** Starts counting; the returned function gives each group's CPU ms since then. */
export function cpuMeter(processes: NamedProcess[]): () => Map<string, number> {
  const before = snapshot(processes);
  return () => {
    const after = snapshot(processes);
    return new Map([...after].map(([group, ms]) => [group, ms - (before.get(group) ?? 0)]));
  };
}
