// `npm run nemesis -- --target db|orders --minutes N [--seed S] [--keep]`: a Jepsen-style fault run against
// real processes on their own network hosts (Linux network namespaces joined by veth links; needs
// root). Prints each fault as it happens, then a table and, last, `<ops> operations, <faults>
// faults, <n> anomalies`; exits 1 on any anomaly. The same seed replays the same fault schedule.
import { commandLine } from "@bookstore/kit";
import { runNemesis } from "../test/nemesis/run-nemesis.js";

const usage = `usage: npm run nemesis -- --target db|orders --minutes N [--seed S] [--keep]

Runs the db-node cluster (--target db: linearizable reads, writes, compare-and-set and stock
decrements) or the order path (--target orders: checkouts through the executor cluster, db-node
and payment) on separate network hosts while faults are injected: partitions (one node cut off,
majority/minority, bridge, leader isolated), the leader frozen with SIGSTOP, SIGKILL and restart,
every node killed at once, membership changes and leadership transfers. Then checks the history
(linearizability per key, stock conservation; orders: every order finished, charged iff stock
taken, none twice, no hold open) and prints availability per fault. Needs root (ip netns, veth).
A run with anomalies (any run with --keep) keeps its history, fault log and process logs under
var/nemesis/. Exits 1 on any anomaly.`;

const values = commandLine(usage, {
  options: {
    target: { type: "string" },
    minutes: { type: "string", default: "5" },
    seed: { type: "string" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
const minutes = Number(values.minutes);
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
if (
  (values.target !== "db" && values.target !== "orders") ||
  !(minutes > 0) ||
  !Number.isInteger(seed) ||
  seed < 0
) {
  console.error(
    `nemesis: --target must be db or orders, --minutes > 0, --seed a non-negative integer\n\n${usage}`,
  );
  process.exit(2);
}
const result = await runNemesis({ target: values.target, minutes, seed, keep: values.keep ?? false });
process.exit(result.anomalies.length > 0 ? 1 : 0);
