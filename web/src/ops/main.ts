// The operations dashboard: both Raft clusters updated twice a second (a failover shows within a
// second), the order queue, recent two-phase-commit transactions, throughput and latency
// sparklines, and an order's space-time diagram. Read-only: it calls only public GET routes.
import "../shared/styles.css";
import "./ops.css";
import { html, render } from "lit";
import { api, problemText } from "../shared/api.js";
import { type Clusters, clustersView } from "./clusters-view.js";
import { type MetricsSnapshot, metricsView } from "./metrics-view.js";
import { poll } from "./poll.js";
import { type OrderTimeline, timelineView } from "./timeline-view.js";
import { type Transaction, transactionsView } from "./transactions-view.js";

interface State {
  clusters?: Clusters;
  transactions?: Transaction[];
  metrics?: MetricsSnapshot;
  order?: OrderTimeline;
  orderId: string;
  problems: Record<string, string>;
}

const main = document.querySelector<HTMLElement>("#main");
if (!main) throw new Error("the page lacks #main");
const state: State = { orderId: /^\/ops\/order\/([^/]+)$/.exec(location.pathname)?.[1] ?? "", problems: {} };

function draw(): void {
  const problems = Object.entries(state.problems);
  render(
    html`<h1 tabindex="-1">Operations</h1>
      ${
        problems.length > 0
          ? html`<div class="alert error" role="alert">${problems.map(([what, p]) => html`<p>${what}: ${p}</p>`)}</div>`
          : ""
      }
      ${clustersView(state.clusters)}
      ${metricsView(state.metrics)}
      ${transactionsView(state.transactions, showOrder)}
      ${timelineView(state.orderId, state.order, showOrder)}`,
    main as HTMLElement,
  );
}

/** Each reading: store it and clear its problem, or keep the last one and say what failed. */
function watch<T>(what: string, path: string, everyMs: number, store: (value: T) => void): void {
  poll<T>(
    everyMs,
    (signal) => api<T>(path, { signal }),
    (value) => {
      store(value);
      delete state.problems[what];
      draw();
    },
    (error) => {
      state.problems[what] = problemText(error);
      draw();
    },
  );
}

function showOrder(id: string): void {
  state.orderId = id.trim();
  state.order = undefined;
  delete state.problems.order;
  history.replaceState(null, "", state.orderId ? `/ops/order/${encodeURIComponent(state.orderId)}` : "/ops");
  draw();
  if (!state.orderId) return;
  api<OrderTimeline>(`/api/orders/${encodeURIComponent(state.orderId)}`).then(
    (order) => {
      state.order = order;
      draw();
    },
    (error) => {
      state.problems.order = problemText(error);
      draw();
    },
  );
}

watch<Clusters>("clusters", "/api/ops/clusters", 400, (c) => {
  state.clusters = c;
});
watch<{ transactions: Transaction[] }>("transactions", "/api/ops/transactions?limit=15", 2000, (t) => {
  state.transactions = t.transactions;
});
watch<MetricsSnapshot>("metrics", "/api/ops/metrics", 2000, (m) => {
  state.metrics = m;
});
draw();
if (state.orderId) showOrder(decodeURIComponent(state.orderId));
