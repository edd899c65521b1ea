// The last minutes of throughput and latency for the operations dashboard, kept in memory: every
// interval, the orchestrator reads its own Prometheus metrics (its checkouts over HTTP, and its
// calls to each service) and scrapes the admin /metrics of each service it was told about
// (METRICS_TARGETS: what each one served), and keeps one point per series.
import { registry } from "@bookstore/kit";
import {
  type HistogramReading,
  type Labels,
  readHistograms,
  type WindowPoint,
  windowPoint,
} from "./metrics-window.js";

export interface MetricsTarget {
  name: string;
  /** host:port of the service's admin HTTP server. */
  address: string;
}

export interface Series {
  /** What it measures, for people: "checkouts (HTTP)", "orchestrator → payment", "db-node-1 served". */
  name: string;
  points: WindowPoint[];
}

interface Source {
  read(): Promise<string>;
  /** The histograms of this source to keep, each grouped into series. */
  histograms: { name: string; groupOf: (labels: Labels) => string | undefined }[];
}

/**
 * Calls that are not the system's work: health checks, Raft's own traffic, and the status reads
 * the dashboard itself makes twice a second (counting them would show the dashboard watching).
 */
const NOT_WORK = /grpc\.health|Raft|\/(GetStatus|GetClusterStatus|ListJobs)$/;

/** "/bookstore.v1.PaymentService/Prepare" → "payment"; undefined for what is not work. */
export function serviceOf(method: string): string | undefined {
  const m = /\.([A-Za-z]+)Service\//.exec(method);
  if (!m?.[1] || NOT_WORK.test(method)) return undefined;
  return m[1].replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
}

function ownSource(): Source {
  return {
    read: () => registry.metrics(),
    histograms: [
      { name: "http_checkout_seconds", groupOf: () => "checkouts (HTTP)" },
      {
        name: "grpc_client_handling_seconds",
        groupOf: (l) => {
          const service = serviceOf(l.method ?? "");
          return service ? `orchestrator → ${service}` : undefined;
        },
      },
    ],
  };
}

function scrapedSource(target: MetricsTarget, timeoutMs: number): Source {
  return {
    read: async () => {
      const response = await fetch(`http://${target.address}/metrics`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new Error(`${target.name}: /metrics answered ${response.status}`);
      return response.text();
    },
    histograms: [
      {
        name: "grpc_server_handling_seconds",
        groupOf: (l) => (l.method && !NOT_WORK.test(l.method) ? `${target.name} served` : undefined),
      },
    ],
  };
}

export class MetricsHistory {
  private readonly sources: Source[];
  private readonly last = new Map<string, { at: number; reading: HistogramReading }>();
  private readonly series = new Map<string, WindowPoint[]>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private sampling = false;

  constructor(
    targets: MetricsTarget[],
    private readonly o: { intervalMs: number; points: number },
  ) {
    this.sources = [ownSource(), ...targets.map((t) => scrapedSource(t, Math.max(200, o.intervalMs / 2)))];
  }

  start(): void {
    this.timer ??= setInterval(() => void this.sample(), this.o.intervalMs);
    this.timer.unref();
    void this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One reading of every source; a source that does not answer leaves a gap in its series. */
  async sample(now = Date.now()): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const texts = await Promise.allSettled(this.sources.map((s) => s.read()));
      texts.forEach((text, i) => {
        if (text.status === "fulfilled") this.record(now, text.value, this.sources[i] as Source);
      });
    } finally {
      this.sampling = false;
    }
  }

  private record(now: number, text: string, source: Source): void {
    for (const h of source.histograms) {
      for (const [key, reading] of readHistograms(text, h.name, h.groupOf)) {
        const previous = this.last.get(key);
        this.last.set(key, { at: now, reading });
        if (!previous) continue;
        const points = this.series.get(key) ?? [];
        points.push(windowPoint(now, (now - previous.at) / 1000, previous.reading, reading));
        if (points.length > this.o.points) points.splice(0, points.length - this.o.points);
        this.series.set(key, points);
      }
    }
  }

  snapshot(): { intervalMs: number; series: Series[] } {
    const series = [...this.series]
      .map(([name, points]) => ({ name, points: [...points] }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { intervalMs: this.o.intervalMs, series };
  }
}
