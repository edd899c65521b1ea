// The operations dashboard's read-only routes: both Raft clusters node by node, the order queue,
// recent two-phase-commit transactions, and the last minutes of throughput and latency. Nothing
// here needs or shows a secret; an order's vector-clock timeline is GET /api/orders/:id.
import type { DatabaseClient } from "@bookstore/db-client";
import { registry } from "@bookstore/kit";
import { type GetJobResponse, JobStatus } from "@bookstore/proto";
import type { FastifyInstance, FastifyReply } from "fastify";
import { Histogram } from "prom-client";
import type { ExecutorClient, NodeStatus as ExecutorStatus } from "../executor-client.js";
import { errorBody } from "../http-errors.js";
import { MetricsHistory, type MetricsTarget } from "../metrics-history.js";
import { statusName } from "../order-view.js";
import type { ClusterNode } from "./ops-shapes.js";

export interface OpsRoutesOptions {
  db: DatabaseClient | undefined;
  executor: ExecutorClient | undefined;
  metricsTargets: MetricsTarget[];
  /** How often the metrics are read (default 2 s), and how many readings are kept (default 150). */
  metricsIntervalMs?: number;
  metricsPoints?: number;
}

const checkoutSeconds = new Histogram({
  name: "http_checkout_seconds",
  help: "Time to answer a checkout over HTTP, by route and status.",
  labelNames: ["route", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
const CHECKOUT_ROUTES = new Set(["/api/checkout", "/checkout", "/v2/checkout"]);

/** A member of either Raft cluster that answered; `leads` is the leader's role name there. */
function onlineNode(
  s: {
    nodeId: string;
    address: string;
    role: string;
    term: number;
    commitIndex: number;
    appliedIndex: number;
  },
  leads: string,
  leaderId: string,
): ClusterNode {
  return {
    id: s.nodeId,
    address: s.address,
    health: "online",
    role: s.role,
    leader: s.role === leads,
    term: s.term,
    leaderId,
    commitIndex: s.commitIndex,
    appliedIndex: s.appliedIndex,
  };
}

function offline(address: string, error: string): ClusterNode {
  return {
    id: "",
    address,
    health: "offline",
    role: "unknown",
    leader: false,
    term: 0,
    leaderId: "",
    commitIndex: 0,
    appliedIndex: 0,
    error,
  };
}

function executorNode(s: ExecutorStatus): ClusterNode {
  return s.status === "offline" ? offline(s.address, s.error) : onlineNode(s, "leader", s.leaderId);
}

async function databaseNodes(db: DatabaseClient): Promise<ClusterNode[]> {
  const all = await db.statusAll(800);
  return all.map((s) =>
    s.status === "offline" ? offline(s.address, s.error) : onlineNode(s, "primary", s.primaryId),
  );
}

/** The queue as the executor leader sees it (followers may lag). */
function queueOf(statuses: ExecutorStatus[]) {
  const online = statuses.filter((s) => s.status === "online");
  const leader = online.find((s) => s.role === "leader");
  if (!leader) return undefined;
  const byShipping = { Overnight: 0, Express: 0, Standard: 0, ...leader.queuedByShipping };
  return { queued: leader.queuedJobs, executing: leader.executingJobs, paused: leader.paused, byShipping };
}

export function transactionSummary(job: GetJobResponse) {
  return {
    orderId: job.jobId,
    status: statusName(job.status),
    reasonCode: job.reasonCode,
    shippingMethod: job.shippingMethod,
    totalCents: job.totalCents,
    submittedAt: job.submittedAt,
    updatedAt: job.updatedAt,
    transactionId: job.transaction?.transactionId ?? "",
    phase: job.transaction?.phase ?? "",
    decision: job.transaction?.decision ?? "",
    votes: (job.transaction?.votes ?? []).map((v) => ({
      participant: v.participant,
      yes: v.yes,
      code: v.code,
    })),
  };
}

const notConfigured = (reply: FastifyReply, what: string) =>
  reply.code(503).send(errorBody("SERVICE_UNAVAILABLE", `no ${what} is configured`));

export function registerOpsRoutes(app: FastifyInstance, o: OpsRoutesOptions): void {
  const history = new MetricsHistory(o.metricsTargets, {
    intervalMs: o.metricsIntervalMs ?? 2000,
    points: o.metricsPoints ?? 150,
  });
  app.addHook("onReady", async () => history.start());
  app.addHook("onClose", async () => history.stop());
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url;
    if (request.method !== "POST" || !route || !CHECKOUT_ROUTES.has(route)) return;
    checkoutSeconds.observe({ route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  const tags = ["operations"];

  app.get(
    "/api/ops/clusters",
    { schema: { tags, summary: "Both Raft clusters, node by node, and the order queue" } },
    async () => {
      const [database, executors] = await Promise.all([
        o.db ? databaseNodes(o.db) : Promise.resolve([]),
        o.executor ? o.executor.statusAll(800) : Promise.resolve([]),
      ]);
      return {
        at: new Date().toISOString(),
        database: { nodes: database },
        executors: { nodes: executors.map(executorNode) },
        queue: queueOf(executors) ?? null,
      };
    },
  );

  app.get<{ Querystring: { limit?: string } }>(
    "/api/ops/transactions",
    {
      schema: {
        tags,
        summary: "The newest orders with their two-phase-commit transaction",
        querystring: {
          type: "object",
          properties: {
            limit: { type: "string", pattern: "^(100|[1-9][0-9]?)$", errorMessage: "must be 1 to 100" },
          },
        },
      },
    },
    async (request, reply) => {
      if (!o.executor) return notConfigured(reply, "order-executor cluster");
      try {
        const r = await o.executor.listJobs(
          JobStatus.JOB_STATUS_UNSPECIFIED,
          Number(request.query.limit ?? 20),
        );
        return { total: r.total, transactions: r.jobs.map(transactionSummary) };
      } catch (error) {
        return reply
          .code(503)
          .send(
            errorBody(
              "SERVICE_UNAVAILABLE",
              `the order executor is unavailable: ${(error as Error).message}`,
            ),
          );
      }
    },
  );

  app.get(
    "/api/ops/metrics",
    { schema: { tags, summary: "Throughput and latency of the last minutes" } },
    async () => history.snapshot(),
  );
}
