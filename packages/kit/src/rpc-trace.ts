// A timeline of the RPCs a request causes, from every process's own clock: at log level "trace",
// each gRPC call is logged twice — by the client (callUnary) and by the server (the request guard) —
// with its method, the order or transaction it is about, and when it started and ended (epoch ms,
// fractional). `npm run bench -- timeline` collects them for one checkout. Off (and free) otherwise.
import type { Logger } from "pino";

export interface RpcSpan {
  side: "client" | "server";
  method: string;
  /** The order, transaction or job the request names, if any. */
  id: string;
  /**
   * Epoch seconds with microseconds (not milliseconds: a 13-digit number would look like a card
   * number to the log scrubber).
   */
  start: number;
  end: number;
}

let sink: ((span: RpcSpan) => void) | undefined;

/** Records spans in `logger` when it logs at trace level. */
export function traceRpcsTo(logger: Logger): void {
  sink = logger.isLevelEnabled("trace") ? (span) => logger.trace(span, "rpc") : undefined;
}

const ID_FIELDS = ["orderId", "transactionId", "jobId"] as const;

function idOf(request: unknown): string {
  if (typeof request !== "object" || request === null) return "";
  const r = request as Record<string, unknown>;
  for (const field of ID_FIELDS) if (typeof r[field] === "string" && r[field]) return r[field] as string;
  return "";
}

/** Starts a span; the function it returns ends it. A no-op unless tracing is on. */
export function rpcSpan(side: RpcSpan["side"], method: string, request: unknown): () => void {
  const record = sink;
  if (!record) return noop;
  const start = nowSeconds();
  return () => record({ side, method, id: idOf(request), start, end: nowSeconds() });
}

function noop(): void {}

function nowSeconds(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) / 1e6;
}
