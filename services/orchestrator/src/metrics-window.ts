// Throughput and latency over a short window from Prometheus histograms: read the series of one
// histogram out of the text format (prom-client's, ours and the services'), sum them into groups,
// and turn two readings into calls per second and quantiles. Pure: no clock, no I/O.

export interface HistogramReading {
  count: number;
  sum: number;
  /** Cumulative counts by upper bound (le), ascending; +Inf last. */
  buckets: [number, number][];
}

export type Labels = Record<string, string>;

/** The labels of `{a="1",b="x\"y"}` (the text format's escapes: \\ \" \n). */
export function parseLabels(text: string): Labels {
  const labels: Labels = {};
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of text.matchAll(pattern)) {
    labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

function bucketsOf(into: Map<number, number>): [number, number][] {
  return [...into].sort((a, b) => a[0] - b[0]);
}

/**
 * Every series of histogram `name`, added up by `groupOf(labels)` (undefined leaves a series
 * out). Buckets add up by bound: the series of one histogram share their bounds.
 */
export function readHistograms(
  text: string,
  name: string,
  groupOf: (labels: Labels) => string | undefined,
): Map<string, HistogramReading> {
  const line = new RegExp(`^${name}_(bucket|sum|count)(?:\\{(.*)\\})?\\s+(\\S+)`);
  const groups = new Map<string, { count: number; sum: number; buckets: Map<number, number> }>();
  for (const raw of text.split("\n")) {
    const m = line.exec(raw);
    if (!m) continue;
    const labels = parseLabels(m[2] ?? "");
    const group = groupOf(labels);
    const value = Number(m[3]);
    if (group === undefined || !Number.isFinite(value)) continue;
    const g = groups.get(group) ?? { count: 0, sum: 0, buckets: new Map<number, number>() };
    groups.set(group, g);
    if (m[1] === "count") g.count += value;
    else if (m[1] === "sum") g.sum += value;
    else {
      const le = labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(labels.le);
      g.buckets.set(le, (g.buckets.get(le) ?? 0) + value);
    }
  }
  return new Map(
    [...groups].map(([k, g]) => [k, { count: g.count, sum: g.sum, buckets: bucketsOf(g.buckets) }]),
  );
}

/** The q-quantile of the observations between two readings, interpolated inside its bucket. */
export function quantile(q: number, before: HistogramReading | undefined, after: HistogramReading): number {
  const prev = new Map(before?.buckets ?? []);
  const deltas = after.buckets.map(([le, c]): [number, number] => [le, c - (prev.get(le) ?? 0)]);
  const total = deltas.at(-1)?.[1] ?? 0;
  if (total <= 0) return 0;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, cumulative] of deltas) {
    if (cumulative >= rank) {
      // In the +Inf bucket the best estimate is the highest finite bound.
      if (!Number.isFinite(le)) return lower;
      const inBucket = cumulative - below;
      return inBucket <= 0 ? le : lower + ((le - lower) * (rank - below)) / inBucket;
    }
    lower = le;
    below = cumulative;
  }
  return lower;
}

export interface WindowPoint {
  /** Epoch milliseconds of the later reading. */
  at: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Calls per second and latency quantiles between two readings `seconds` apart. */
export function windowPoint(
  at: number,
  seconds: number,
  before: HistogramReading | undefined,
  after: HistogramReading,
): WindowPoint {
  // A restarted process starts its counters again: count its window from zero.
  const base = before && before.count <= after.count ? before : undefined;
  const calls = after.count - (base?.count ?? 0);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    at,
    perSecond: round(seconds > 0 ? calls / seconds : 0),
    p50Ms: round(quantile(0.5, base, after) * 1000),
    p99Ms: round(quantile(0.99, base, after) * 1000),
  };
}
