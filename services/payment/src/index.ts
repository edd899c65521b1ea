import { createLogger, loadConfig, onShutdown } from "@bookstore/kit";
import { configSchema } from "./config.js";
import { startPayment } from "./payment.js";
import { PROCESS } from "./service.js";

const config = loadConfig(configSchema, PROCESS);
const logger = createLogger({ service: PROCESS, level: config.LOG_LEVEL });
const payment = await startPayment(config, logger);
onShutdown(logger, () => payment.close());
