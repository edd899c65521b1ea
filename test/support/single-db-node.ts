// One db-node in this process (a one-member Raft group) on a free port, for tests that need a real
// database but not a cluster.
import { join } from "node:path";
import { createLogger, freePort, parseConfig } from "@bookstore/kit";
import { configSchema } from "../../services/db-node/src/config.js";
import { type RunningDbNode, startDbNode } from "../../services/db-node/src/db-node.js";

const logger = createLogger({ service: "db-node-test", level: "silent" });

/** Starts db1 with its data under `dir`; `env` adds or overrides configuration. */
export async function startSingleDbNode(
  dir: string,
  env: Record<string, string> = {},
): Promise<RunningDbNode> {
  const port = await freePort();
  return startDbNode(
    parseConfig(configSchema, {
      DB_NODE_ID: "db1",
      DB_PORT: String(port),
      DB_ADMIN_PORT: "0",
      DB_PEERS: `db1=127.0.0.1:${port}`,
      DB_DATA_DIR: join(dir, "db1"),
      DB_TICK_MS: "20",
      ...env,
    }),
    logger,
  );
}
