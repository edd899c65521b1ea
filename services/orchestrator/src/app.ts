import type { Catalog } from "@bookstore/catalog";
import type { DatabaseClient } from "@bookstore/db-client";
import type { Logger } from "@bookstore/kit";
import { FraudDecision, type SuggestionsServiceClient } from "@bookstore/proto";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import { type CheckoutBody, checkoutBodySchema } from "./checkout-body.js";
import type { CheckoutFlow, CheckoutOutcome } from "./checkout-flow.js";
import { buildCheckoutOrder, type CheckoutOrder } from "./checkout-order.js";
import {
  clientErrorCode,
  clientErrorMessage,
  errorBody,
  requestError,
  schemaDetails,
} from "./http-errors.js";
import { IdempotencyCache, type StoredResponse } from "./idempotency.js";
import { OrderBook, type OrderRecord } from "./orders.js";
import {
  frameworkError,
  payloadTooLarge,
  RequestRefused,
  registerRequestGuards,
  unparsableRequest,
} from "./request-guard.js";
import { registerBookRoutes } from "./routes/books.js";
import { registerDatabaseRoutes } from "./routes/database.js";

export interface AppOptions {
  catalog: Catalog;
  flow: Pick<CheckoutFlow, "run">;
  /** grpc.health.v1 of each backing service, by name. */
  health: () => Promise<Record<string, string>>;
  fingerprintKey: string;
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
}

/** The three checkout routes answer the same validation in three shapes. */
type Flavour = "api" | "v1" | "v2";

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

  const checkout = (flavour: Flavour) => async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body as CheckoutBody;
    const key = request.headers["idempotency-key"];
    const execute = () => runCheckout(flavour, body, request.ip);
    let response: StoredResponse;
    if (typeof key === "string" && key.length > 0) {
      const result = await idempotency.run(`${flavour}:${key}`, body, execute);
      if (result.kind === "conflict") {
        return reply
          .code(422)
          .send(
            errorBody(
              "IDEMPOTENCY_KEY_REUSED",
              "this Idempotency-Key was used with a different request body",
            ),
          );
      }
      response = result.response;
      if (result.kind === "replayed") reply.header("idempotent-replayed", "true");
    } else {
      response = await execute();
    }
    return reply.code(response.statusCode).send(response.body);
  };

  async function runCheckout(
    flavour: Flavour,
    body: CheckoutBody,
    clientIp: string,
  ): Promise<StoredResponse> {
    const built = buildCheckoutOrder(body, {
      catalog: options.catalog,
      fingerprintKey: options.fingerprintKey,
      clientIp,
    });
    if ("problems" in built) {
      const code = built.termsOnly ? "TERMS_NOT_ACCEPTED" : "INVALID_REQUEST";
      return {
        statusCode: 400,
        body: errorBody(code, built.problems.map((p) => p.message).join("; "), built.problems),
      };
    }
    const { order } = built;
    const outcome = await options.flow.run(order);
    const record = recordOf(order, outcome);
    orders.add(record);
    options.logger.info(
      { orderId: order.orderId, outcome: outcome.kind, status: record.status, risk: riskOf(outcome)?.score },
      "checkout decided",
    );
    return respond(flavour, record, outcome);
  }

  const checkoutSchema = { body: checkoutBodySchema, tags: ["checkout"] };
  app.post(
    "/api/checkout",
    { schema: { ...checkoutSchema, summary: "Validate and place an order" } },
    checkout("api"),
  );
  app.post(
    "/checkout",
    { schema: { ...checkoutSchema, summary: "Seed-compatible: synchronous validation" } },
    checkout("v1"),
  );
  app.post(
    "/v2/checkout",
    { schema: { ...checkoutSchema, summary: "Seed-compatible: validate and queue" } },
    checkout("v2"),
  );
  for (const url of ["/api/checkout", "/checkout", "/v2/checkout"]) {
    app.route({
      method: ["GET", "PUT", "DELETE", "PATCH"],
      url,
      schema: { hide: true },
      handler: (_req, reply) =>
        reply
          .code(405)
          .header("allow", "POST")
          .send(errorBody("METHOD_NOT_ALLOWED", `use POST ${url}`)),
    });
  }

  const orderParams = {
    type: "object",
    properties: { id: { type: "string", maxLength: 128 } },
    required: ["id"],
  } as const;
  app.get("/v2/orders/:id", { schema: { params: orderParams, tags: ["orders"] } }, async (request, reply) => {
    const order = orders.get((request.params as { id: string }).id);
    if (!order) return reply.code(404).send(errorBody("NOT_FOUND", "no such order"));
    return {
      orderId: order.orderId,
      status: order.status,
      items: order.lines.map((l) => ({ bookId: l.bookId, title: l.title, quantity: l.quantity })),
      total: order.totalCents / 100,
      createdAt: order.createdAt,
      ...(order.reason ? { reason: order.reason } : {}),
    };
  });
  app.get(
    "/api/orders/:id",
    { schema: { params: orderParams, tags: ["orders"] } },
    async (request, reply) => {
      const order = orders.get((request.params as { id: string }).id);
      if (!order) return reply.code(404).send(errorBody("NOT_FOUND", "no such order"));
      return order;
    },
  );

  registerDatabaseRoutes(app, { catalog: options.catalog, db: options.db });
  registerBookRoutes(app, {
    suggestions: options.suggestions,
    deadlineMs: options.suggestionsDeadlineMs ?? 2000,
  });

  app.get("/api/health", { schema: { tags: ["operations"] } }, async (_request, reply) => {
    const services = await options.health();
    const ok = Object.values(services).every((s) => s === "SERVING" || s === "NOT_DEPLOYED");
    return reply.code(ok ? 200 : 503).send({ status: ok ? "ok" : "degraded", services });
  });

  return app;
}

function riskOf(outcome: CheckoutOutcome) {
  return outcome.kind === "unavailable" ? undefined : outcome.risk;
}

function recordOf(order: CheckoutOrder, outcome: CheckoutOutcome): OrderRecord {
  const base = {
    orderId: order.orderId,
    createdAt: new Date().toISOString(),
    customerId: order.customerId,
    priority: order.priority,
    lines: order.lines,
    totalCents: order.totalCents,
    events: outcome.trace,
  };
  switch (outcome.kind) {
    case "approved":
      return { ...base, status: "PENDING", suggestedBooks: outcome.suggestions };
    case "rejected":
      return { ...base, status: "FAILED", suggestedBooks: [], reason: rejectionMessage(outcome) };
    case "unavailable":
      return { ...base, status: "FAILED", suggestedBooks: [], reason: outcome.message };
  }
}

function rejectionMessage(outcome: Extract<CheckoutOutcome, { kind: "rejected" }>): string {
  const reasons = outcome.violations.map((v) => v.message);
  if (reasons.length === 0 && outcome.risk?.decision === FraudDecision.FRAUD_DECISION_REJECT) {
    reasons.push(`fraud risk ${outcome.risk.score.toFixed(2)} is too high`);
  }
  return `Order rejected: ${reasons.join("; ")}`;
}

function respond(flavour: Flavour, record: OrderRecord, outcome: CheckoutOutcome): StoredResponse {
  if (outcome.kind === "unavailable") {
    return {
      statusCode: 503,
      body: errorBody("SERVICE_UNAVAILABLE", `checkout is unavailable: ${outcome.message}; please try again`),
    };
  }
  if (outcome.kind === "rejected") {
    const details = outcome.violations.map((v) => ({ field: v.field, message: v.message, rule: v.rule }));
    return { statusCode: 422, body: errorBody("ORDER_REJECTED", record.reason ?? "Order rejected", details) };
  }
  const suggestedBooks = record.suggestedBooks.map((b) => ({
    bookId: b.bookId,
    title: b.title,
    author: b.author,
  }));
  switch (flavour) {
    case "v1":
      return { statusCode: 200, body: { orderId: record.orderId, status: "Order Approved", suggestedBooks } };
    case "v2":
      return { statusCode: 200, body: { orderId: record.orderId, status: record.status } };
    case "api":
      return {
        statusCode: 201,
        body: {
          orderId: record.orderId,
          status: record.status,
          totalCents: record.totalCents,
          suggestedBooks,
          suggestions: outcome.suggestionsAvailable ? "available" : "unavailable",
          ...(outcome.risk
            ? { risk: { score: outcome.risk.score, decision: FraudDecision[outcome.risk.decision] } }
            : {}),
          links: { self: `/api/orders/${record.orderId}` },
        },
      };
  }
}
