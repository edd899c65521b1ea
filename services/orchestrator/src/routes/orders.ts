// The order routes: GET /api/orders/:id (validation clocks + execution + 2PC history), the seed's
// GET /v2/orders/:id, and GET /api/orders/:id/events, which pushes every change of the order as a
// server-sent event until it is COMPLETED or FAILED.
import { GrpcStatus, isServiceError } from "@bookstore/kit";
import type { GetJobResponse } from "@bookstore/proto";
import type { FastifyInstance, FastifyReply } from "fastify";
import { type ExecutorClient, isFinished } from "../executor-client.js";
import { errorBody } from "../http-errors.js";
import { followOrder, type OrderFeed } from "../order-feed.js";
import { orderView, seedOrderView } from "../order-view.js";
import type { OrderBook, OrderRecord } from "../orders.js";

export interface OrderRoutesOptions {
  orders: OrderBook;
  /** Absent when no executor cluster is configured: orders show their validation only. */
  executor: ExecutorClient | undefined;
  /** Pushes the executor's changes of the orders followed here (for server-sent events). */
  feed: OrderFeed | undefined;
}

/** Order ids as the executor cluster accepts them (UUIDs, or a client's job id). */
const params = {
  type: "object",
  properties: { id: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" } },
  required: ["id"],
} as const;

/** How often an idle event stream sends a comment, so proxies do not close it. */
const HEARTBEAT_MS = 15_000;

export function registerOrderRoutes(app: FastifyInstance, o: OrderRoutesOptions): void {
  /** Local record and executor job; a reply already sent (404, 503) when neither can be had. */
  async function lookup(
    id: string,
    reply: FastifyReply,
  ): Promise<{ local?: OrderRecord; job?: GetJobResponse } | undefined> {
    const local = o.orders.get(id);
    let job: GetJobResponse | undefined;
    // An order rejected during validation never reached the executor.
    if (o.executor && local?.status !== "FAILED") {
      try {
        job = await o.executor.getJob(id);
      } catch (error) {
        if (!isServiceError(error) || error.code !== GrpcStatus.NOT_FOUND) {
          if (!local) {
            void reply
              .code(503)
              .send(errorBody("SERVICE_UNAVAILABLE", "the order executor is unavailable; try again"));
            return undefined;
          }
        }
      }
    }
    if (!local && !job) {
      void reply.code(404).send(errorBody("NOT_FOUND", "no such order"));
      return undefined;
    }
    return { ...(local ? { local } : {}), ...(job ? { job } : {}) };
  }

  const schema = { params, tags: ["orders"] };
  app.get(
    "/api/orders/:id",
    { schema: { ...schema, summary: "An order: validation, execution, payment" } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const found = await lookup(id, reply);
      return found ? orderView(id, found.local, found.job) : reply;
    },
  );

  app.get(
    "/v2/orders/:id",
    { schema: { ...schema, summary: "Seed-compatible order status" } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const found = await lookup(id, reply);
      return found ? seedOrderView(orderView(id, found.local, found.job)) : reply;
    },
  );

  app.get(
    "/api/orders/:id/events",
    { schema: { ...schema, summary: "Server-sent events: the order at every change until it is done" } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const local = o.orders.get(id);
      // An order placed here needs no read first: the feed starts with the order as it is now.
      const placedHere = o.feed !== undefined && local !== undefined && local.status !== "FAILED";
      const found = placedHere ? { local } : await lookup(id, reply);
      if (!found) return reply;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      const send = (view: unknown) => raw.write(`event: order\ndata: ${JSON.stringify(view)}\n\n`);
      const controller = new AbortController();
      request.raw.on("close", () => controller.abort());
      const heartbeat = setInterval(() => raw.write(": keep-alive\n\n"), HEARTBEAT_MS);
      try {
        // The feed reads the order again whenever its stream to the executors had to be reopened.
        const done = !placedHere && (!found.job || isFinished(found.job));
        if (!o.feed || done) send(orderView(id, found.local, found.job));
        else
          await followOrder(
            o.feed,
            id,
            (job) => send(orderView(id, o.orders.get(id), job)),
            controller.signal,
          );
      } finally {
        clearInterval(heartbeat);
        raw.end();
      }
    },
  );
}
