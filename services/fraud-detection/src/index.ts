import { createLogger, loadConfig, onShutdown, startExpiry, startGrpcServer } from "@bookstore/kit";
import { configSchema } from "./config.js";
import { defaultFraudConfig, VelocityTracker } from "./scoring/index.js";
import { createFraudStore, fraudDetectionService, PROCESS } from "./service.js";

const config = loadConfig(configSchema, PROCESS);
const logger = createLogger({ service: PROCESS, level: config.LOG_LEVEL });
const store = createFraudStore(config.ORDER_TTL_MS);
const stopExpiry = startExpiry(store, Math.max(1000, config.ORDER_TTL_MS / 4));
const fraudConfig = {
  ...defaultFraudConfig,
  thresholds: { reviewAt: config.FRAUD_REVIEW_AT, rejectAt: config.FRAUD_REJECT_AT },
  highRiskCountries: config.FRAUD_HIGH_RISK_COUNTRIES,
};
const velocity = new VelocityTracker();
// Memory is capped anyway; pruning frees entries whose windows have passed sooner.
const pruneTimer = setInterval(() => velocity.prune(Date.now()), 60_000);
pruneTimer.unref();
const server = await startGrpcServer({
  host: config.FD_HOST,
  port: config.FD_PORT,
  adminPort: config.FD_ADMIN_PORT,
  services: [fraudDetectionService({ store, velocity, config: fraudConfig })],
  logger,
});
onShutdown(logger, async () => {
  stopExpiry();
  clearInterval(pruneTimer);
  await server.close();
});
