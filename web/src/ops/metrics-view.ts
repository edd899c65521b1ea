// Throughput and latency of the last minutes, one row of sparklines per series.
import { html, svg } from "lit";
import { sparklinePoints } from "./sparkline.js";

export interface MetricsSnapshot {
  intervalMs: number;
  series: { name: string; points: { at: number; perSecond: number; p50Ms: number; p99Ms: number }[] }[];
}

const W = 160;
const H = 32;

function spark(values: number[], label: string) {
  return html`<svg class="spark" width=${W} height=${H} viewBox="0 0 ${W} ${H}" role="img" aria-label=${label}>
    ${svg`<polyline points=${sparklinePoints(values, W, H)}></polyline>`}
  </svg>`;
}

export function metricsView(m: MetricsSnapshot | undefined) {
  const minutes = m ? Math.round((m.intervalMs * 150) / 60_000) : 5;
  return html`<section class="panel" aria-labelledby="metrics-heading">
    <h2 id="metrics-heading">Throughput and latency (last ${minutes} minutes)</h2>
    ${
      !m || m.series.length === 0
        ? html`<p>Collecting… (a point every ${(m?.intervalMs ?? 2000) / 1000} s)</p>`
        : html`<div class="table-scroll"><table class="metrics" data-cy="metrics">
          <thead><tr><th scope="col">Series</th><th scope="col">Calls/s</th><th scope="col"></th><th scope="col">p99 ms</th><th scope="col"></th></tr></thead>
          <tbody>${m.series.map((s) => {
            const last = s.points.at(-1);
            return html`<tr data-cy="metric" data-series=${s.name}>
              <th scope="row">${s.name}</th>
              <td class="num">${last?.perSecond ?? 0}</td>
              <td>${spark(
                s.points.map((p) => p.perSecond),
                `${s.name}: calls per second`,
              )}</td>
              <td class="num">${last?.p99Ms ?? 0}</td>
              <td>${spark(
                s.points.map((p) => p.p99Ms),
                `${s.name}: 99th percentile latency`,
              )}</td>
            </tr>`;
          })}</tbody>
        </table></div>`
    }
  </section>`;
}
