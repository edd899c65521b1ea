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
  SuggestionsServiceClient,
  TransactionVerificationServiceClient,
} from "@bookstore/proto";
import { buildApp } from "./app.js";
import { CheckoutFlow, PROCESS } from "./checkout-flow.js";
import { configSchema } from "./config.js";

const config = loadConfig(configSchema, PROCESS);
const logger = createLogger({ service: PROCESS, level: config.LOG_LEVEL });
const catalog = loadCatalog(config.CATALOG_PATH);
const suggestionsAddr = config.SUGGESTIONS_ADDR;
const suggestions = suggestionsAddr ? clientFor(SuggestionsServiceClient, suggestionsAddr) : undefined;
const flow = new CheckoutFlow(
  {
    verification: clientFor(TransactionVerificationServiceClient, config.TV_ADDR),
    fraud: clientFor(FraudDetectionServiceClient, config.FD_ADDR),
    ...(suggestions ? { suggestions } : {}),
  },
  { callDeadlineMs: config.CALL_DEADLINE_MS, cleanupAttempts: config.CLEANUP_ATTEMPTS },
  logger,
);
const db = new DatabaseClient({ addresses: config.DB_NODES, deadlineMs: config.CALL_DEADLINE_MS });
const app = await buildApp({
  catalog,
  db,
  flow,
  fingerprintKey: config.CARD_FINGERPRINT_KEY,
  logger,
  bodyLimitBytes: config.BODY_LIMIT_BYTES,
  trustProxy: config.TRUST_PROXY,
  ...(suggestions ? { suggestions, suggestionsDeadlineMs: config.CALL_DEADLINE_MS } : {}),
  health: async () => {
    const [tv, fd, sg, ...dbNodes] = await Promise.all([
      checkHealth(config.TV_ADDR),
      checkHealth(config.FD_ADDR),
      suggestionsAddr ? checkHealth(suggestionsAddr) : Promise.resolve("NOT_DEPLOYED"),
      ...config.DB_NODES.map((address) => checkHealth(address)),
    ]);
    return {
      "transaction-verification": tv as string,
      "fraud-detection": fd as string,
      suggestions: sg as string,
      ...Object.fromEntries(
        config.DB_NODES.map((address, i) => [`db-node ${address}`, dbNodes[i] as string]),
      ),
    };
  },
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
  await app.close();
  closeAllClients();
});
