import { createServer, type Server } from "node:http";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** One registry per process (a process runs one service; tests may run several in one). */
export const registry = new Registry();
// The event-loop delay monitor wakes the process on a timer of this period even when it is idle. At
// prom-client's default (10 ms) the eleven processes of a system woke 1,100 times a second for it,
// ~6 ms of CPU a second each on a 2-core VM; a stall worth reporting still shows at 100 ms.
const EVENT_LOOP_MONITOR_MS = 100;
collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITOR_MS });

const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export const grpcServerHandled = new Histogram({
  name: "grpc_server_handling_seconds",
  help: "Time to handle a unary gRPC call, by method and status code.",
  labelNames: ["method", "code"] as const,
  buckets,
  registers: [registry],
});

export const grpcClientHandled = new Histogram({
  name: "grpc_client_handling_seconds",
  help: "Time of an outgoing unary gRPC call including retries, by method and status code.",
  labelNames: ["method", "code"] as const,
  buckets,
  registers: [registry],
});

export const grpcClientRetries = new Counter({
  name: "grpc_client_retries_total",
  help: "Retries of idempotent calls after UNAVAILABLE.",
  labelNames: ["method"] as const,
  registers: [registry],
});

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The admin HTTP port of a service: /metrics (Prometheus), /livez (process is up) and /readyz
 * (the service can take traffic).
 */
export function startAdminServer(options: {
  host: string;
  port: number;
  ready: () => boolean;
}): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    if (req.url === "/metrics") {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    } else if (req.url === "/livez") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok\n");
    } else if (req.url === "/readyz") {
      const ready = options.ready();
      res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" });
      res.end(ready ? "ready\n" : "not ready\n");
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : options.port,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
