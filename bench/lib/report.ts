import { mkdirSync, writeFileSync } from "node:fs";

/** One row of a benchmark table; the same rows are written to bench/results/<suite>.json. */
/** One row of any table a suite prints; the same rows are written to bench/results/<suite>.json. */
export interface TableRow {
  suite: string;
  case: string;
  /** Free-form columns (e.g. errors, ratio). */
  [extra: string]: string | number;
}

/** A throughput row: the usual measurement. */
export interface BenchRow extends TableRow {
  clients: number;
  ops_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

/** Percentile of an unsorted sample (nearest-rank). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function printTable(rows: TableRow[]): void {
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? "")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] as number)).join(" | ");
  console.log(line(columns));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const row of cells) console.log(line(row));
}

export function writeResults(suite: string, rows: TableRow[]): string {
  const dir = new URL("../results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${suite}.json`, dir);
  writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
  return file.pathname;
}
