// `npm run sim -- --seeds N [--nodes 5] [--start S]` or `--seed S` to replay one seed.
// Prints "N seeds, V violations" and the first failing seed; exits 1 on any violation.
import { parseArgs } from "node:util";
import { runSeed } from "./simulator.js";

const usage = `usage: npm run sim -- [--seeds N] [--start S] [--nodes 3|5] [--duration MS] [--leases on|off] [--verbose]
       npm run sim -- --seed S [--nodes N] [--leases on|off]     replay one seed exactly

Runs the deterministic Raft simulator: N seeds (default 100) from seed S (default 1), each a
cluster over a fake network and clock with loss, duplication, reordering, partitions, crashes
and restarts, checked for election safety, log matching, leader completeness, state-machine
safety, linearizability and, after the faults heal, liveness (one leader, everything committed
applied everywhere, every client call answered). Leader leases for reads are on in half the seeds
with check-quorum; --leases on (with check-quorum) or off sets them for every seed. Prints "N seeds,
V violations" and the first failing seed; exits 1 on any violation.`;

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      seeds: { type: "string" },
      seed: { type: "string" },
      start: { type: "string", default: "1" },
      nodes: { type: "string", default: "3" },
      duration: { type: "string" },
      leases: { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
}
try {
  parsed = parse();
} catch (error) {
  console.error(`${(error as Error).message}\n\n${usage}`);
  process.exit(2);
}
const { values } = parsed;
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const nodes = Number(values.nodes);
const leases = values.leases === undefined ? undefined : values.leases === "on";
const opts = {
  nodes,
  ...(values.duration ? { durationMs: Number(values.duration) } : {}),
  ...(leases === undefined ? {} : { leaseReads: leases }),
};
const seeds: number[] = [];
if (values.seed !== undefined) seeds.push(Number(values.seed));
else {
  const start = Number(values.start);
  const count = Number(values.seeds ?? "100");
  for (let s = start; s < start + count; s++) seeds.push(s);
}
const badLeases = values.leases !== undefined && values.leases !== "on" && values.leases !== "off";
if (seeds.some((s) => !Number.isInteger(s)) || !Number.isInteger(nodes) || nodes < 1 || badLeases) {
  console.error(usage);
  process.exit(2);
}

const t0 = performance.now();
let violations = 0;
let inconclusive = 0;
let first: { seed: number; violation?: string } | undefined;
for (const seed of seeds) {
  const r = runSeed(seed, opts);
  if (values.verbose || seeds.length === 1) {
    console.log(`seed ${seed}: ${r.ok ? "ok" : r.violation} ${JSON.stringify(r.stats)}`);
  }
  inconclusive += r.stats.inconclusive;
  if (!r.ok) {
    violations++;
    first ??= r;
  }
}
const secs = ((performance.now() - t0) / 1000).toFixed(1);
const extra = inconclusive > 0 ? `, ${inconclusive} with an inconclusive linearizability search` : "";
console.log(`${seeds.length} seeds, ${violations} violations (${nodes} nodes, ${secs}s${extra})`);
if (first) {
  console.log(`first failing seed: ${first.seed} — ${first.violation}`);
  const replayLeases = values.leases === undefined ? "" : ` --leases ${values.leases}`;
  console.log(`replay: npm run sim -- --seed ${first.seed} --nodes ${nodes}${replayLeases}`);
  process.exit(1);
}
