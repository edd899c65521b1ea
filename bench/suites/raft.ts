// `npm run bench -- raft`: 3 Raft nodes as separate processes on this machine, durable (fdatasync on),
// 256-byte proposals from 1/64/256 concurrent proposers inside the leader's process (the library's
// own cost, no client RPC); then the time to a new leader after SIGKILL of the leader.
import { ProcessCluster } from "../../packages/raft/src/bench/cluster.js";
import { type BenchRow, percentile, round } from "../lib/report.js";

const durationMs = Number(process.env.RAFT_BENCH_MS ?? 5000);
const concurrencies = [1, 64, 256];
const tickMs = 50;
const electionTick = 10;

export default async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const cluster = await ProcessCluster.start({ nodes: 3, tickMs, electionTick });
  try {
    let { node: leader, term } = await cluster.waitForLeader();
    for (const c of concurrencies) {
      // Short warm-up so JIT and connections are settled, then the measured run.
      await leader.request(
        { type: "load", concurrency: c, durationMs: 500, size: 256, keys: 10_000 },
        60_000,
      );
      const r = await leader.request(
        { type: "load", concurrency: c, durationMs, size: 256, keys: 10_000 },
        60_000,
      );
      const lat = r.latencies as number[];
      rows.push({
        suite: "raft",
        case: "propose 256 B, 3 nodes, fsync",
        clients: c,
        ops_per_s: round(((r.count as number) / (r.elapsedMs as number)) * 1000, 0),
        p50_ms: round(percentile(lat, 50)),
        p99_ms: round(percentile(lat, 99)),
        errors: r.errors as number,
      });
    }
    const failovers: number[] = [];
    for (let i = 0; i < 3; i++) {
      const killedAt = Date.now();
      leader.kill("SIGKILL");
      const next = await cluster.waitForLeader(10_000, term, 5);
      failovers.push(Date.now() - killedAt);
      await leader.start(); // restart the old leader from its data directory
      leader = next.node;
      term = next.term;
      await new Promise((r) => setTimeout(r, 1500));
    }
    rows.push({
      suite: "raft",
      case: `new leader after SIGKILL (election timeout ${electionTick * tickMs}-${2 * electionTick * tickMs} ms)`,
      clients: 0,
      ops_per_s: 0,
      p50_ms: round(percentile(failovers, 50)),
      p99_ms: round(Math.max(...failovers)),
      errors: 0,
      samples_ms: failovers.join("/"),
    });
  } finally {
    await cluster.stop();
  }
  return rows;
}
