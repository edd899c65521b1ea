import { percentile, round } from "../lib/report.js";

export interface LoadResult {
  ops: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

/**
 * Closed-loop load: `concurrency` workers each run `op` back to back for `seconds`, after a
 * warm-up that is not counted. Latency of every completed op is recorded. `onRecordStart` runs when
 * the counted part begins (e.g. to start a CPU meter).
 */
export async function closedLoop(
  concurrency: number,
  seconds: number,
  op: () => Promise<boolean>,
  warmupSeconds = 2,
  onRecordStart: () => void = () => {},
): Promise<LoadResult> {
  const run = async (duration: number, record: boolean) => {
    const latenciesMs: number[] = [];
    let ops = 0;
    let errors = 0;
    const end = performance.now() + duration * 1000;
    const worker = async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        let ok = false;
        try {
          ok = await op();
        } catch {
          ok = false;
        }
        if (!record) continue;
        latenciesMs.push(performance.now() - t0);
        if (ok) ops++;
        else errors++;
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { ops, errors, seconds: (performance.now() - t0) / 1000, latenciesMs };
  };
  if (warmupSeconds > 0) await run(warmupSeconds, false);
  onRecordStart();
  return run(seconds, true);
}

export function summarize(result: LoadResult) {
  return {
    ops_per_s: round(result.ops / result.seconds, 0),
    p50_ms: round(percentile(result.latenciesMs, 50)),
    p99_ms: round(percentile(result.latenciesMs, 99)),
    errors: result.errors,
  };
}
