// One nemesis run, start to finish: build the hosts, start the target's processes on them, run the
// clients and the faults together for the given minutes, heal everything, check the history, print
// the report, and remove every host, process and data directory — also when the run is interrupted
// (SIGINT/SIGTERM) or fails. A run with anomalies keeps its history, fault log, report and process
// logs under var/nemesis/.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { closeAllClients } from "@bookstore/kit";
import { planFaults } from "./fault-plan.js";
import { History } from "./history.js";
import { Nemesis } from "./nemesis.js";
import { NamespaceNetwork, removeStaleNetworks } from "./net-namespaces.js";
import { report } from "./report.js";
import { dbTarget, ordersTarget, type StartedTarget } from "./targets.js";

export interface NemesisOptions {
  target: "db" | "orders";
  minutes: number;
  seed: number;
  /** Keep the history, fault log, report and process logs even when nothing was found. */
  keep?: boolean;
  print?: (line: string) => void;
}

export interface NemesisResult {
  ops: number;
  faults: number;
  anomalies: string[];
  report: string;
  /** Where the history of a run with anomalies (or with `keep`) was kept. */
  keptIn?: string;
}

const root = new URL("../..", import.meta.url).pathname;
const TMP_PREFIX = "bookstore-nemesis-";

/** Data directories of runs whose process is gone. */
function removeStaleData(): void {
  for (const name of readdirSync(tmpdir())) {
    const m = new RegExp(`^${TMP_PREFIX}(\\d+)-`).exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

export async function runNemesis(o: NemesisOptions): Promise<NemesisResult> {
  const print = o.print ?? ((line: string) => console.log(line));
  const stale = await removeStaleNetworks();
  if (stale.length > 0) print(`nemesis: removed ${stale.length} hosts left by earlier runs`);
  removeStaleData();
  const dir = mkdtempSync(join(tmpdir(), `${TMP_PREFIX}${process.pid}-`));
  const prefix = `nem${o.seed}x${process.pid}`;
  const target = o.target === "db" ? dbTarget(o.seed, prefix) : ordersTarget(o.seed, prefix, o.minutes);
  let net: NamespaceNetwork | undefined;
  let started: StartedTarget | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      await started?.close().catch(() => undefined);
      await net?.destroy();
      closeAllClients();
    })();
    return cleaning;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    try {
      print(`nemesis: ${signal}: stopping processes and removing the hosts`);
    } catch {
      // Whoever read our output may be gone already; the cleanup matters more.
    }
    void cleanup().finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    net = await NamespaceNetwork.create(target.hosts);
    started = await target.start(net, dir);
    const s = started;
    const history = new History();
    const until = history.now() + o.minutes * 60_000;
    const nemesis = new Nemesis(
      { clusters: s.clusters, net, hosts: target.hosts, ...(s.payment ? { payment: s.payment } : {}) },
      () => history.now(),
      print,
    );
    print(
      `nemesis ${o.target}, seed ${o.seed}: ${o.minutes} min on ${target.hosts.length} hosts, ${target.clients} clients`,
    );
    await Promise.all([s.workload(history, until), nemesis.run(planFaults(o.seed, target.mix), until)]);
    await nemesis.healEverything();
    const checked = await s.check(history);
    history.closePending();
    for (const w of nemesis.windows) {
      if (w.measuredRejoin && w.rejoinMs === undefined)
        checked.anomalies.push(
          `liveness: after fault #${w.n} (${w.kind}: ${w.detail}) the members it took away did not catch up within 60 s of the heal`,
        );
    }
    const text = report({
      title: `nemesis ${o.target}, seed ${o.seed}: ${o.minutes} min, ${target.hosts.length} hosts, ${target.clients} clients, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} at the end`,
      ops: history.ops,
      windows: nemesis.windows,
      anomalies: checked.anomalies,
      notes: checked.notes,
    });
    const result: NemesisResult = {
      ops: history.ops.length,
      faults: nemesis.windows.length,
      anomalies: checked.anomalies,
      report: text,
    };
    if (checked.anomalies.length > 0 || o.keep) {
      result.keptIn = join(
        root,
        "var",
        "nemesis",
        `${o.target}-seed${o.seed}-${new Date().toISOString().replace(/[:.]/g, "-")}`,
      );
      mkdirSync(result.keptIn, { recursive: true });
      history.write(join(result.keptIn, "history.jsonl"));
      writeFileSync(join(result.keptIn, "faults.json"), JSON.stringify(nemesis.windows, null, 2));
      writeFileSync(join(result.keptIn, "report.txt"), `${text}\n`);
      cpSync(join(dir, "logs"), join(result.keptIn, "logs"), { recursive: true });
    }
    if (result.keptIn) print(`history, faults and process logs kept in ${result.keptIn}`);
    for (const line of text.split("\n")) print(line);
    return result;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
