import { createLogger, loadConfig, onShutdown } from "@bookstore/kit";
import { configSchema } from "./config.js";
import { startDbNode } from "./db-node.js";
import { PROCESS } from "./service.js";

const config = loadConfig(configSchema, PROCESS);
const logger = createLogger({ service: PROCESS, level: config.LOG_LEVEL }).child({ node: config.DB_NODE_ID });
const db = await startDbNode(config, logger);
onShutdown(logger, () => db.close());
