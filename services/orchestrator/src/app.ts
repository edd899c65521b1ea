import type { Catalog } from "@bookstore/catalog";
import type { DatabaseClient } from "@bookstore/db-client";
import type { Logger } from "@bookstore/kit";
import type { SuggestionsServiceClient } from "@bookstore/proto";
import { DEFAULT_MAX_QUANTITY } from "@bookstore/transaction-verification/rules/items";
import cors from "@fastify/cors";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import ajvErrors from "ajv-errors";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from "fastify";
import type { CheckoutFlow } from "./checkout-flow.js";
import type { CheckoutOrder } from "./checkout-order.js";
import type { ExecutorClient } from "./executor-client.js";
import {
  clientErrorCode,
  clientErrorMessage,
  errorBody,
  requestError,
  schemaDetails,
} from "./http-errors.js";
import { IdempotencyCache } from "./idempotency.js";
import type { MetricsTarget } from "./metrics-history.js";
import type { OrderFeed } from "./order-feed.js";
import type { Placement, SubmitOrder, TokenizeCard } from "./order-placement.js";
import { OrderBook } from "./orders.js";
import {
  frameworkError,
  payloadTooLarge,
  RequestRefused,
  registerRequestGuards,
  unparsableRequest,
} from "./request-guard.js";
import { registerBookRoutes } from "./routes/books.js";
import { registerCatalogFacetRoutes } from "./routes/catalog-facets.js";
import { registerCheckoutRoutes } from "./routes/checkout.js";
import { registerDatabaseRoutes } from "./routes/database.js";
import { registerOpsRoutes } from "./routes/ops.js";
import { registerOrderRoutes } from "./routes/orders.js";
import { defaultWebRoot, registerWebRoutes } from "./routes/web.js";

export interface AppOptions {
  catalog: Catalog;
  flow: Pick<CheckoutFlow, "run">;
  /** grpc.health.v1 of each backing service, by name. */
  health: () => Promise<Record<string, string>>;
  fingerprintKey: string;
  /** The checkout body's quantity limit: transaction-verification's MAX_ITEM_QUANTITY (default 100). */
  maxItemQuantity?: number;
  logger: Logger;
  bodyLimitBytes?: number;
  /** Client address from X-Forwarded-For. */
  trustProxy?: boolean;
  orderCapacity?: number;
  idempotencyTtlMs?: number;
  /** The suggestions service behind the catalog routes; absent = they answer 503. */
  suggestions?: SuggestionsServiceClient;
  /** Deadline of a catalog call to the suggestions service. */
  suggestionsDeadlineMs?: number;
  /** The db-node cluster behind /api/database/*; absent = those routes answer 503. */
  db?: DatabaseClient;
  /** Tokenises the card and submits an approved order; absent = orders are only validated. */
  placeOrder?: { tokenize: TokenizeCard; submit: SubmitOrder };
  /** Told of every order about to be submitted, then of how the submission ended (routes/checkout.ts). */
  onPlacing?: (order: CheckoutOrder) => (placement: Placement) => void;
  /** The executor cluster behind the order routes; absent = orders show their validation only. */
  executor?: ExecutorClient;
  /** The executor's changes pushed to order pages (server-sent events). */
  feed?: OrderFeed;
  /** Browser origins allowed to call the API from another origin (the seed's web page). */
  corsOrigins?: string[];
  /** The built storefront and dashboard (default web/dist). */
  webRoot?: string;
  /** Services' admin ports whose /metrics the dashboard shows. */
  metricsTargets?: MetricsTarget[];
}

/** Builds the orchestrator's HTTP app without listening (tests use app.inject()). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors: (error, _request, reply) => {
      const { status, body } = frameworkError(error);
      void (reply as FastifyReply).code(status).send(body);
    },
    clientErrorHandler: unparsableRequest,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    ajv: {
      customOptions: { allErrors: true, removeAdditional: false, coerceTypes: false, useDefaults: false },
      // Words for each shape rule of the checkout body (checkout-body.ts: errorMessage).
      plugins: [(ajv: Parameters<typeof ajvErrors.default>[0]) => ajvErrors.default(ajv)],
    },
  });
  // JSON only: anything else is 415, not a string body that fails validation.
  app.removeContentTypeParser("text/plain");
  registerRequestGuards(app);
  const orders = new OrderBook(options.orderCapacity ?? 100_000);
  const idempotency = new IdempotencyCache(options.idempotencyTtlMs ?? 24 * 3600_000, 100_000);

  await app.register(swagger, {
    openapi: {
      info: {
        title: "Bookstore checkout API",
        version: "1.0.0",
        description:
          "Checkout orchestration over the gRPC validation services. Errors: {error:{code,message,details}}.",
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  if (options.corsOrigins && options.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: options.corsOrigins,
      methods: ["GET", "POST"],
      allowedHeaders: ["content-type", "idempotency-key"],
    });
  }

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error.validation) {
      const details = schemaDetails(error.validation);
      const message = `invalid request: ${details.map((d) => d.message).join("; ")}`;
      return reply.code(400).send(errorBody("INVALID_REQUEST", message, details));
    }
    if (error instanceof RequestRefused) {
      return reply.code(400).send(errorBody(error.code, error.message, error.details));
    }
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE")
      return reply.code(413).send(await payloadTooLarge(request));
    const known = requestError(error);
    if (known) return reply.code(known.status).send(known.body);
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // A refusal raised by a plugin (e.g. 403 for a path outside the static root): keep its status.
      return reply.code(status).send(errorBody(clientErrorCode(status), clientErrorMessage(status)));
    }
    request.log.error(
      { err: error, method: request.method, url: request.routeOptions.url },
      "unhandled error",
    );
    return reply.code(500).send(errorBody("INTERNAL_ERROR", "internal error"));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody("NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`)),
  );

  registerCheckoutRoutes(app, {
    catalog: options.catalog,
    flow: options.flow,
    ...(options.placeOrder ? { placeOrder: options.placeOrder } : {}),
    ...(options.onPlacing ? { onPlacing: options.onPlacing } : {}),
    fingerprintKey: options.fingerprintKey,
    ...(options.maxItemQuantity ? { maxItemQuantity: options.maxItemQuantity } : {}),
    orders,
    idempotency,
    logger: options.logger,
  });
  registerOrderRoutes(app, { orders, executor: options.executor, feed: options.feed });
  registerDatabaseRoutes(app, { catalog: options.catalog, db: options.db });
  registerBookRoutes(app, {
    suggestions: options.suggestions,
    deadlineMs: options.suggestionsDeadlineMs ?? 2000,
  });
  registerCatalogFacetRoutes(app, options.catalog);
  registerOpsRoutes(app, {
    db: options.db,
    executor: options.executor,
    metricsTargets: options.metricsTargets ?? [],
  });
  await registerWebRoutes(app, {
    root: options.webRoot ?? defaultWebRoot,
    suggestions: options.suggestions,
    maxItemQuantity: options.maxItemQuantity ?? DEFAULT_MAX_QUANTITY,
  });

  // Probes (Kubernetes, the container's health check): this process answers HTTP. Neither follows
  // the backends: with one down, an orchestrator answering 503 that names it serves clients better
  // than one taken out of the load balancer.
  for (const probe of ["/livez", "/readyz"])
    app.get(probe, { schema: { tags: ["operations"] } }, async (_request, reply) =>
      reply.type("text/plain").send("ok\n"),
    );

  app.get("/api/health", { schema: { tags: ["operations"] } }, async (_request, reply) => {
    const services = await options.health();
    const ok = Object.values(services).every((s) => s === "SERVING" || s === "NOT_DEPLOYED");
    return reply.code(ok ? 200 : 503).send({ status: ok ? "ok" : "degraded", services });
  });

  return app;
}
