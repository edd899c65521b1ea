import { createLogger, loadConfig, onShutdown } from "@bookstore/kit";
import { configSchema } from "./config.js";
import { startExecutor } from "./executor-node.js";
import { PROCESS } from "./service.js";

const config = loadConfig(configSchema, PROCESS);
const logger = createLogger({ service: PROCESS, level: config.LOG_LEVEL }).child({
  node: config.EXECUTOR_NODE_ID,
});
const executor = await startExecutor(config, logger);
onShutdown(logger, () => executor.close());
