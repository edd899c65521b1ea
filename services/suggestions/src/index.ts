import { loadCatalog } from "@bookstore/catalog";
import { createLogger, loadConfig, onShutdown, startExpiry, startGrpcServer } from "@bookstore/kit";
import { configSchema } from "./config.js";
import { startEngine } from "./engine.js";
import { createSuggestionsStore, PROCESS, suggestionsService } from "./service.js";

const config = loadConfig(configSchema, PROCESS);
const logger = createLogger({ service: PROCESS, level: config.LOG_LEVEL });
let engine: Awaited<ReturnType<typeof startEngine>>;
try {
  engine = await startEngine({
    books: loadCatalog(config.CATALOG_PATH).books,
    dataDir: config.SUGGESTIONS_DATA_DIR,
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    embedder: config.EMBEDDER,
    ...(config.MODEL_DIR ? { modelDir: config.MODEL_DIR } : {}),
    efSearch: config.HNSW_EF_SEARCH,
    ...(config.PGLITE_SHARED_BUFFERS ? { sharedBuffers: config.PGLITE_SHARED_BUFFERS } : {}),
    queueCapacity: config.EMBED_QUEUE_CAPACITY,
    logger,
  });
} catch (error) {
  process.stderr.write(`${PROCESS}: cannot start: ${(error as Error).message.split("\n")[0]}\n`);
  process.exit(1);
}
const store = createSuggestionsStore(config.ORDER_TTL_MS);
const stopExpiry = startExpiry(store, Math.max(1000, config.ORDER_TTL_MS / 4));
const server = await startGrpcServer({
  host: config.SUGGESTIONS_HOST,
  port: config.SUGGESTIONS_PORT,
  adminPort: config.SUGGESTIONS_ADMIN_PORT,
  services: [
    suggestionsService({
      store,
      search: engine.search,
      queue: engine.queue,
      embedder: engine.embedder,
      suggestionsPerOrder: config.SUGGESTIONS_PER_ORDER,
    }),
  ],
  logger,
});
onShutdown(logger, async () => {
  stopExpiry();
  await server.close();
  await engine.close();
});
