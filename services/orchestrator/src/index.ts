import { loadCatalog } from "@bookstore/catalog";
import { DatabaseClient } from "@bookstore/db-client";
import {
  checkHealth,
  clientFor,
  closeAllClients,
  createLogger,
  loadConfig,
  onShutdown,
} from "@bookstore/kit";
import {
  FraudDetectionServiceClient,
  PaymentServiceClient,
  SuggestionsServiceClient,
  TransactionVerificationServiceClient,
} from "@bookstore/proto";
import { buildApp } from "./app.js";
import { CheckoutFlow, PROCESS } from "./checkout-flow.js";
import { configSchema } from "./config.js";
import { ExecutorClient } from "./executor-client.js";
import { OrderFeed } from "./order-feed.js";
import { orderPlacement } from "./order-placement.js";
import { purchaseRecorder } from "./purchase-recorder.js";

const config = loadConfig(configSchema, PROCESS);
const logger = createLogger({ service: PROCESS, level: config.LOG_LEVEL });
const catalog = loadCatalog(config.CATALOG_PATH);
const deadlineMs = config.CALL_DEADLINE_MS;
const suggestionsAddr = config.SUGGESTIONS_ADDR;
const suggestions = suggestionsAddr ? clientFor(SuggestionsServiceClient, suggestionsAddr) : undefined;
const flow = new CheckoutFlow(
  {
    verification: clientFor(TransactionVerificationServiceClient, config.TV_ADDR),
    fraud: clientFor(FraudDetectionServiceClient, config.FD_ADDR),
    ...(suggestions ? { suggestions } : {}),
  },
  { callDeadlineMs: deadlineMs, cleanupAttempts: config.CLEANUP_ATTEMPTS },
  logger,
);
const db = new DatabaseClient({ addresses: config.DB_NODES, deadlineMs });
const executor = new ExecutorClient({ addresses: config.EXECUTOR_NODES, deadlineMs });
const feed = new OrderFeed(executor, logger);
const payment = config.PAYMENT_ADDR ? clientFor(PaymentServiceClient, config.PAYMENT_ADDR) : undefined;

/** grpc.health.v1 of every backing process, by name. */
async function health(): Promise<Record<string, string>> {
  const targets: [string, string | undefined][] = [
    ["transaction-verification", config.TV_ADDR],
    ["fraud-detection", config.FD_ADDR],
    ["suggestions", suggestionsAddr || undefined],
    ["payment", config.PAYMENT_ADDR || undefined],
    ...config.DB_NODES.map((a): [string, string] => [`db-node ${a}`, a]),
    ...config.EXECUTOR_NODES.map((a): [string, string] => [`order-executor ${a}`, a]),
  ];
  const states = await Promise.all(
    targets.map(([, a]) => (a ? checkHealth(a) : Promise.resolve("NOT_DEPLOYED"))),
  );
  return Object.fromEntries(targets.map(([name], i) => [name, states[i] as string]));
}

const app = await buildApp({
  catalog,
  db,
  flow,
  executor,
  feed,
  health,
  fingerprintKey: config.CARD_FINGERPRINT_KEY,
  maxItemQuantity: config.MAX_ITEM_QUANTITY,
  logger,
  bodyLimitBytes: config.BODY_LIMIT_BYTES,
  trustProxy: config.TRUST_PROXY,
  corsOrigins: config.CORS_ORIGINS,
  metricsTargets: config.METRICS_TARGETS,
  ...(payment ? { placeOrder: orderPlacement({ payment, executor, deadlineMs }) } : {}),
  ...(suggestions
    ? {
        suggestions,
        suggestionsDeadlineMs: deadlineMs,
        onPlacing: purchaseRecorder({ feed, suggestions, deadlineMs, logger }),
      }
    : {}),
});
try {
  await app.listen({ host: config.ORCHESTRATOR_HOST, port: config.ORCHESTRATOR_PORT });
} catch (error) {
  const inUse = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
  process.stderr.write(
    `${PROCESS}: ${inUse ? `port ${config.ORCHESTRATOR_PORT} is already in use` : (error as Error).message}\n`,
  );
  process.exit(1);
}
onShutdown(logger, async () => {
  feed.close();
  await app.close();
  closeAllClients();
});
