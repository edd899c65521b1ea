// The container's health check: the gRPC services through grpc.health.v1 on their own port, the
// orchestrator through GET /livez. Exit 0 when serving, 1 otherwise (Docker's HEALTHCHECK).
import { checkHealth, parseConfig } from "@bookstore/kit";
import { z } from "zod";
import { configSchema as dbNode } from "../services/db-node/src/config.js";
import { configSchema as fraud } from "../services/fraud-detection/src/config.js";
import { configSchema as orchestrator } from "../services/orchestrator/src/config.js";
import { configSchema as executor } from "../services/order-executor/src/config.js";
import { configSchema as payment } from "../services/payment/src/config.js";
import { configSchema as suggestions } from "../services/suggestions/src/config.js";
import { configSchema as verification } from "../services/transaction-verification/src/config.js";

/** Each service's host and port variables, with their schemas (for the defaults and the checks). */
const endpoints = {
  orchestrator: [orchestrator.shape, "ORCHESTRATOR_HOST", "ORCHESTRATOR_PORT"],
  "db-node": [dbNode.shape, "DB_HOST", "DB_PORT"],
  "order-executor": [executor.shape, "EXECUTOR_HOST", "EXECUTOR_PORT"],
  payment: [payment.shape, "PAYMENT_HOST", "PAYMENT_PORT"],
  "fraud-detection": [fraud.shape, "FD_HOST", "FD_PORT"],
  "transaction-verification": [verification.shape, "TV_HOST", "TV_PORT"],
  suggestions: [suggestions.shape, "SUGGESTIONS_HOST", "SUGGESTIONS_PORT"],
} as const;

async function healthy(service: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const e = endpoints[service as keyof typeof endpoints];
  if (!e) throw new Error(`unknown SERVICE ${JSON.stringify(service)}`);
  const [shape, hostVar, portVar] = e;
  const fields = shape as Record<string, z.ZodType>;
  const c = parseConfig(z.object({ [hostVar]: fields[hostVar], [portVar]: fields[portVar] }), env);
  const bound = String(c[hostVar]);
  const port = Number(c[portVar]);
  // Bound to every interface (a container): ask on loopback.
  const host = bound === "0.0.0.0" || bound === "::" ? "127.0.0.1" : bound;
  if (service !== "orchestrator") return (await checkHealth(`${host}:${port}`, "", 2000)) === "SERVING";
  const r = await fetch(`http://${host}:${port}/livez`, { signal: AbortSignal.timeout(2000) });
  return r.ok;
}

const service = process.env.SERVICE ?? "";
healthy(service, process.env).then(
  (ok) => {
    if (!ok) process.stderr.write(`${service}: not serving\n`);
    process.exit(ok ? 0 : 1);
  },
  (error: unknown) => {
    process.stderr.write(`${service}: health check failed: ${String(error)}\n`);
    process.exit(1);
  },
);
