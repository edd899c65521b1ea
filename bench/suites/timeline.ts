// Where the time of one checkout goes: every process at log level "trace" records each RPC it makes
// and serves (packages/kit/src/rpc-trace.ts) and the executor each entry it proposes. After a
// warm-up, one order is placed and followed to COMPLETED (another is placed if it FAILED: some cards
// are declined by design); the spans about it, from every process's own clock (one machine, one
// clock), are printed in time order relative to the POST. The warm-up is BENCH_WARMUP_SECONDS (30)
// of 16 clients, so that the one order meets compiled code.
import { rmSync } from "node:fs";
import { freeSystemPorts, startSystem, systemSpecs } from "../../scripts/system.js";
import { round, type TableRow } from "../lib/report.js";
import { orderBody, randomIp } from "../support/checkout-bodies.js";
import { closedLoop, warmupSeconds } from "../support/load.js";
import { restock } from "../support/stock.js";

interface Span {
  process: string;
  side: string;
  method: string;
  id: string;
  start: number;
  end: number;
}

async function checkoutAndWait(
  url: string,
): Promise<{ orderId: string; posted: number; answered: number; completed: number; state: string }> {
  const posted = performance.timeOrigin + performance.now();
  const response = await fetch(`${url}/api/checkout`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": randomIp() },
    body: orderBody(),
  });
  const answered = performance.timeOrigin + performance.now();
  const { orderId } = (await response.json()) as { orderId: string };
  const events = await (await fetch(`${url}/api/orders/${orderId}/events`)).text();
  const completed = performance.timeOrigin + performance.now();
  const state = /"status":"COMPLETED"/.test(events.slice(events.lastIndexOf("data: ")))
    ? "COMPLETED"
    : "FAILED";
  return { orderId, posted, answered, completed, state };
}

/** The first of a few orders that completes (about one in twenty cards is declined by design). */
async function oneCompleted(url: string, clearSpans: () => void) {
  for (let attempt = 1; ; attempt++) {
    clearSpans();
    const one = await checkoutAndWait(url);
    if (one.state === "COMPLETED" || attempt === 10) return one;
    await new Promise((r) => setTimeout(r, 300));
  }
}

export default async function run(): Promise<TableRow[]> {
  const ports = await freeSystemPorts();
  const spans: Span[] = [];
  let recording = false;
  const onLine = (name: string, line: string) => {
    if (!recording || !line.includes('"msg":"rpc"')) return;
    const s = JSON.parse(line) as Omit<Span, "process">;
    spans.push({ process: name, side: s.side, method: s.method, id: s.id, start: s.start, end: s.end });
  };
  const system = await startSystem(
    systemSpecs(ports, { LOG_LEVEL: "trace", TRUST_PROXY: "true", EMBEDDER: "offline" }),
    onLine,
  );
  const url = `http://127.0.0.1:${ports.orchestrator}`;
  try {
    await restock(ports.dbNodes);
    await closedLoop(16, warmupSeconds, () => checkoutAndWait(url).then(() => true), 0);
    await new Promise((r) => setTimeout(r, 500)); // the warm-up's cleanups and purchases pass
    recording = true;
    const one = await oneCompleted(url, () => spans.splice(0));
    await new Promise((r) => setTimeout(r, 300));
    const mine = spans
      .filter((s) => s.id === one.orderId || s.id === `tx-${one.orderId}`)
      .sort((a, b) => a.start - b.start);
    return [
      ...mine.map((s) => ({
        suite: "timeline",
        case: `${s.process} ${s.side} ${s.method.replace(/^\/bookstore\.v1\./, "")}`,
        start_ms: round(s.start * 1000 - one.posted),
        took_ms: round((s.end - s.start) * 1000),
      })),
      {
        suite: "timeline",
        case: "checkout answered (201)",
        start_ms: 0,
        took_ms: round(one.answered - one.posted),
      },
      {
        suite: "timeline",
        case: `${one.state} seen by the client`,
        start_ms: 0,
        took_ms: round(one.completed - one.posted),
      },
    ];
  } finally {
    await system.stop();
    rmSync(ports.dbDataDir, { recursive: true, force: true });
  }
}
