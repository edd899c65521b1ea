// The OrderExecutorService handlers of one executor node: validation, then a Raft proposal (submit,
// pause) or a linearizable read of the replicated orders. Seed names are kept (SubmitJob → success,
// leader_id); the rest is added.
import { AppError, implement, type ServiceRegistration, type UnaryHandlers } from "@bookstore/kit";
import {
  JobStatus,
  OrderExecutorServiceService,
  type SubmitJobResponse,
  TransactionDecision,
} from "@bookstore/proto";
import { type PartitionControl, RaftError, type RaftNode, sameSecret } from "@bookstore/raft";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { jobView, STATUS } from "./job-view.js";
import type { JobWatchers } from "./job-watchers.js";
import { type Command, type CommandResult, encodeCommand, type OrderState } from "./order-state-machine.js";
import { checkJobId, checkLimit, checkSubmit } from "./validation.js";

export const PROCESS = "order-executor";

export interface ExecutorServiceOptions {
  node: RaftNode<CommandResult | undefined>;
  state: OrderState;
  watchers: JobWatchers;
  adminToken: string;
  partition: PartitionControl;
  /** Proposes a SubmitJob's entry (the coordinator may start the order in it). */
  submit: (command: Extract<Command, { op: "submit" }>) => Promise<CommandResult | undefined>;
  now?: () => number;
}

export type ExecutorHandlers = UnaryHandlers<typeof OrderExecutorServiceService>;

/** A RaftError as what the caller can act on: a leader to go to, or a gRPC status. */
function raftFailure(error: unknown): { leaderId: string; leaderAddress: string } {
  if (!(error instanceof RaftError)) throw error;
  if (error.code === "NOT_LEADER") {
    if (error.leaderId && error.leaderAddress)
      return { leaderId: error.leaderId, leaderAddress: error.leaderAddress };
    throw AppError.unavailable("no executor leader is elected at the moment; retry shortly");
  }
  if (error.outcomeUnknown) {
    throw new AppError(
      GrpcStatus.UNAVAILABLE,
      `outcome unknown (${error.message}); retrying with the same job id is safe`,
    );
  }
  throw AppError.unavailable(error.message);
}

/** Waits until local state reflects every entry committed before the call (ReadIndex). */
async function linearizable<R>(node: RaftNode<R>): Promise<void> {
  try {
    await node.readBarrier();
  } catch (error) {
    raftFailure(error);
    throw AppError.unavailable("no executor leader confirms this read; retry shortly");
  }
}

export function executorHandlers(o: ExecutorServiceOptions): ExecutorHandlers {
  const { node, state } = o;
  const now = o.now ?? Date.now;
  const requireAdmin = (token: string) => {
    if (!sameSecret(token, o.adminToken))
      throw new AppError(GrpcStatus.PERMISSION_DENIED, "admin token required");
  };
  const propose = async (
    command: Command,
  ): Promise<CommandResult | { leaderId: string; leaderAddress: string }> => {
    try {
      const r = await (command.op === "submit" ? o.submit(command) : node.propose(encodeCommand(command)));
      if (!r) throw new AppError(GrpcStatus.INTERNAL, "command produced no result");
      return r;
    } catch (error) {
      if (error instanceof AppError) throw error;
      return raftFailure(error);
    }
  };

  return {
    submitJob: async (req): Promise<SubmitJobResponse> => {
      const payload = checkSubmit(req.jobId, req.payload);
      const r = await propose({ op: "submit", id: req.jobId, payload, at: now() });
      if ("leaderId" in r) {
        return {
          success: false,
          ...r,
          message: `NOT_LEADER: the leader is ${r.leaderId} at ${r.leaderAddress}`,
          status: 0,
          created: false,
        };
      }
      if (!r.ok || !r.job) throw new AppError(GrpcStatus.INTERNAL, "submit produced no order");
      return {
        success: true,
        leaderId: node.id,
        leaderAddress: "",
        message: "",
        status: STATUS[r.job.state],
        created: r.created ?? false,
      };
    },

    getJob: async (req) => {
      checkJobId(req.jobId);
      await linearizable(node);
      const job = state.jobs.get(req.jobId);
      if (!job) throw AppError.notFound(`no order ${req.jobId}`);
      return jobView(job, state.txs.get(job.txId), now());
    },

    listJobs: async (req) => {
      const limit = checkLimit(req.limit);
      if (!(req.status in STATUS_NAMES))
        throw AppError.invalid([{ field: "status", message: "status must be a JobStatus" }]);
      await linearizable(node);
      const wanted = STATUS_NAMES[req.status];
      const jobs = [...state.jobs.values()].filter((j) => wanted === undefined || j.state === wanted);
      return {
        jobs: jobs
          .slice(-limit)
          .reverse()
          .map((j) => jobView(j, state.txs.get(j.txId), now())),
        total: jobs.length,
      };
    },

    getDecision: async (req) => {
      checkJobId(req.transactionId, "transaction_id");
      await linearizable(node);
      const d = state.decisionOf(req.transactionId);
      const s = node.status();
      return {
        decision: DECISIONS[d],
        leader: { leaderId: s.leaderId, leaderAddress: s.leaderAddress },
      };
    },

    getLeader: () => {
      const s = node.status();
      return { leaderId: s.leaderId, leaderAddress: s.leaderAddress, term: s.term };
    },

    getClusterStatus: () => clusterStatus(o),

    setPaused: async (req) => {
      requireAdmin(req.adminToken);
      const r = await propose({ op: "pause", paused: req.paused });
      if ("leaderId" in r)
        throw new AppError(
          GrpcStatus.FAILED_PRECONDITION,
          `not the leader; the leader is ${r.leaderId} at ${r.leaderAddress}`,
        );
      return { paused: state.paused };
    },

    setPartition: (req) => {
      requireAdmin(req.adminToken);
      o.partition.block(req.blockedPeers);
      return { blockedPeers: [...o.partition.blocked] };
    },
  };
}

const STATUS_NAMES: Record<number, string | undefined> = {
  [JobStatus.JOB_STATUS_UNSPECIFIED]: undefined,
  [JobStatus.JOB_STATUS_PENDING]: "PENDING",
  [JobStatus.JOB_STATUS_EXECUTING]: "EXECUTING",
  [JobStatus.JOB_STATUS_COMPLETED]: "COMPLETED",
  [JobStatus.JOB_STATUS_FAILED]: "FAILED",
};

const DECISIONS = {
  COMMIT: TransactionDecision.TRANSACTION_DECISION_COMMIT,
  ABORT: TransactionDecision.TRANSACTION_DECISION_ABORT,
  PENDING: TransactionDecision.TRANSACTION_DECISION_PENDING,
} as const;

function clusterStatus(o: ExecutorServiceOptions) {
  const s = o.node.status();
  const byShipping: Record<string, number> = { Overnight: 0, Express: 0, Standard: 0 };
  for (const job of o.state.pending)
    byShipping[job.payload.shippingMethod] = (byShipping[job.payload.shippingMethod] ?? 0) + 1;
  return {
    nodeId: s.id,
    role: s.role === "preCandidate" ? "pre-candidate" : s.role,
    term: s.term,
    leaderId: s.leaderId,
    commitIndex: s.commitIndex,
    appliedIndex: s.appliedIndex,
    peers: s.peers.map((p) => ({
      id: p.id,
      address: p.address,
      matchIndex: p.matchIndex,
      voter: !p.learner,
    })),
    queuedJobs: o.state.pending.length,
    executingJobs: o.state.active.size,
    paused: o.state.paused,
    queuedByShipping: byShipping,
    address: s.peers.find((p) => p.id === s.id)?.address ?? "",
  };
}

export function executorService(o: ExecutorServiceOptions): ServiceRegistration {
  return {
    name: "bookstore.v1.OrderExecutorService",
    definition: OrderExecutorServiceService,
    implementation: {
      ...implement(OrderExecutorServiceService, executorHandlers(o)),
      watchJob: o.watchers.handler(o.state, () => linearizable(o.node)),
      watchJobs: o.watchers.feedHandler(),
    },
  };
}
