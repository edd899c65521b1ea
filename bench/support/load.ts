import { percentile, round } from "../lib/report.js";

/**
 * Seconds of unmeasured load before a suite measures anything. Under load, V8 goes on compiling the
 * services' hot functions with TurboFan for about half a minute (counted with --trace-opt: a fraud
 * detection process compiled 80 functions in the first 5 s at 64 clients, 18 in the fourth 5 s, 1 in
 * the twelfth), and the compiler's threads share the two cores with the services: a shorter warm-up
 * measures the compiler too, and each case less so than the one before.
 */
export const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 30);

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

/** Several stretches of the same load as one. */
export function mergeLoads(parts: LoadResult[]): LoadResult {
  return {
    ops: parts.reduce((n, p) => n + p.ops, 0),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    seconds: parts.reduce((n, p) => n + p.seconds, 0),
    latenciesMs: parts.flatMap((p) => p.latenciesMs),
  };
}

export function summarize(result: LoadResult) {
  return {
    ops_per_s: round(result.ops / result.seconds, 0),
    p50_ms: round(percentile(result.latenciesMs, 50)),
    p99_ms: round(percentile(result.latenciesMs, 99)),
    errors: result.errors,
  };
}
