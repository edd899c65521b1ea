// The whole system for the browser tests and the web benchmark: every service its own process on
// free ports, with known admin ports so the dashboard reads every service's metrics, and the
// storefront and dashboard freshly built into web/dist.
import { rmSync } from "node:fs";
import { build } from "vite";
import {
  freePort,
  freeSystemPorts,
  type System,
  type SystemPorts,
  startSystem,
  systemSpecs,
} from "../../scripts/system.js";

export const webConfig = new URL("../../web/vite.config.ts", import.meta.url).pathname;

export interface WebSystem {
  ports: SystemPorts;
  system: System;
  baseUrl: string;
  stop(): Promise<void>;
}

/** The system's MAX_ITEM_QUANTITY (orchestrator and transaction-verification). */
export const WEB_SYSTEM_MAX_ITEM_QUANTITY = 20;

export async function startWebSystem(): Promise<WebSystem> {
  await build({ configFile: webConfig, logLevel: "warn" });
  const free = await freeSystemPorts();
  const ports: SystemPorts = {
    ...free,
    admin: {
      fraudDetection: await freePort(),
      transactionVerification: await freePort(),
      suggestions: await freePort(),
      payment: await freePort(),
    },
    dbAdmin: [await freePort(), await freePort(), await freePort()],
    executorAdmin: [await freePort(), await freePort(), await freePort()],
  };
  const lines: string[] = [];
  let system: System;
  try {
    // Twelve processes start at once; on a busy two-core machine that alone can take a minute.
    system = await startSystem(
      // Calls may take longer than the 2 s default while the whole test suite shares two cores.
      // A limit on a line other than the default, so the storefront is seen keeping to the server's.
      systemSpecs(ports, {
        LOG_LEVEL: "warn",
        EMBEDDER: "offline",
        CALL_DEADLINE_MS: "5000",
        MAX_ITEM_QUANTITY: String(WEB_SYSTEM_MAX_ITEM_QUANTITY),
      }),
      (name, line) => lines.push(`${name} ${line}`),
      180_000,
    );
  } catch (error) {
    rmSync(ports.dbDataDir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}; last lines:\n${lines.slice(-20).join("\n")}`);
  }
  return {
    ports,
    system,
    baseUrl: `http://127.0.0.1:${ports.orchestrator}`,
    async stop() {
      await system.stop();
      rmSync(ports.dbDataDir, { recursive: true, force: true });
    },
  };
}
