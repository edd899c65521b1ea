import { createLogger, loadConfig, onShutdown, startExpiry, startGrpcServer } from "@bookstore/kit";
import { configSchema } from "./config.js";
import { createVerificationStore, PROCESS, transactionVerificationService } from "./service.js";

const config = loadConfig(configSchema, PROCESS);
const logger = createLogger({ service: PROCESS, level: config.LOG_LEVEL });
const store = createVerificationStore(config.ORDER_TTL_MS);
const stopExpiry = startExpiry(store, Math.max(1000, config.ORDER_TTL_MS / 4));
const server = await startGrpcServer({
  host: config.TV_HOST,
  port: config.TV_PORT,
  adminPort: config.TV_ADMIN_PORT,
  services: [transactionVerificationService({ store, maxItemQuantity: config.MAX_ITEM_QUANTITY })],
  logger,
});
onShutdown(logger, async () => {
  stopExpiry();
  await server.close();
});
