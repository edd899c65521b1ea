// The order-executor cluster as the orchestrator uses it: submit an order to the leader (found from
// any node's redirect; retried, since submitting the same job id twice changes nothing), read an
// order from any node, stream every job's changes from a node (order-feed.ts reconnects it), and
// every node's status for the dashboard.
import { callUnary, clientFor, GrpcStatus, isServiceError } from "@bookstore/kit";
import {
  type GetClusterStatusResponse,
  type GetJobResponse,
  JobStatus,
  type ListJobsResponse,
  OrderExecutorServiceClient,
  type SubmitJobResponse,
} from "@bookstore/proto";
import { Metadata, type ServiceError } from "@grpc/grpc-js";

export interface ExecutorClientOptions {
  addresses: string[];
  /** Deadline of a whole operation, retries included. */
  deadlineMs: number;
  /**
   * Deadline of one attempt on one node (then the next node is tried): a node cut off from the
   * others may hold a call until it notices it no longer leads.
   */
  attemptTimeoutMs?: number;
}

export type NodeStatus =
  | ({ status: "online"; address: string } & GetClusterStatusResponse)
  | { status: "offline"; address: string; error: string };

const RETRYABLE = new Set([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function isFinished(job: GetJobResponse): boolean {
  return job.status === JobStatus.JOB_STATUS_COMPLETED || job.status === JobStatus.JOB_STATUS_FAILED;
}

export class ExecutorClient {
  private leader: string | undefined;
  private next = 0;

  constructor(private readonly o: ExecutorClientOptions) {
    if (o.addresses.length === 0) throw new Error("ExecutorClient: no addresses");
  }

  private client(address: string) {
    return clientFor(OrderExecutorServiceClient, address);
  }

  private rotate(): string {
    return this.o.addresses[this.next++ % this.o.addresses.length] as string;
  }

  /** Deadline of the next attempt: the attempt timeout, within what is left of the whole. */
  private attemptMs(deadline: number): number {
    return Math.max(1, Math.min(this.o.attemptTimeoutMs ?? 1500, deadline - Date.now()));
  }

  /** Runs `attempt` on nodes in turn until it answers, or the deadline passes. */
  private async anyNode<T>(attempt: (address: string, deadlineMs: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.o.deadlineMs;
    for (let i = 0; ; i++) {
      const address = this.rotate();
      try {
        return await attempt(address, this.attemptMs(deadline));
      } catch (error) {
        if (!isServiceError(error) || !RETRYABLE.has(error.code) || Date.now() >= deadline) throw error;
        await sleep(Math.min(200, 10 * 2 ** Math.min(i, 5)));
      }
    }
  }

  /** SubmitJob on the leader: follows redirects, retries while no leader answers. */
  async submit(jobId: string, payload: string): Promise<SubmitJobResponse> {
    const deadline = Date.now() + this.o.deadlineMs;
    for (let i = 0; ; i++) {
      const address = this.leader ?? this.rotate();
      try {
        const c = this.client(address);
        // One attempt per node; the loop retries (SubmitJob is idempotent by job id).
        const r = await callUnary(
          c,
          c.submitJob,
          { jobId, payload, priority: 0 },
          { deadlineMs: this.attemptMs(deadline) },
        );
        if (r.success) {
          this.leader = address;
          return r;
        }
        this.leader = r.leaderAddress || undefined;
      } catch (error) {
        this.leader = undefined;
        if (!isServiceError(error) || !RETRYABLE.has(error.code) || Date.now() >= deadline) throw error;
      }
      if (Date.now() >= deadline) throw unavailable("no order-executor leader accepted the order in time");
      if (i > 0) await sleep(Math.min(200, 10 * 2 ** Math.min(i, 5)));
    }
  }

  /** The order, as of now (linearizable on any node). */
  getJob(jobId: string): Promise<GetJobResponse> {
    return this.anyNode((address, deadlineMs) => {
      const c = this.client(address);
      return callUnary(c, c.getJob, { jobId }, { deadlineMs });
    });
  }

  listJobs(status: JobStatus, limit: number): Promise<ListJobsResponse> {
    return this.anyNode((address, deadlineMs) => {
      const c = this.client(address);
      return callUnary(c, c.listJobs, { status, limit }, { deadlineMs });
    });
  }

  /**
   * One WatchJobs stream (every change of every job) from the next node: `onConnected` once it is
   * open, `onJob` for each change; resolves when the stream ends, rejects when it breaks.
   */
  watchAll(
    onConnected: () => void,
    onJob: (job: GetJobResponse) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const stream = this.client(this.rotate()).watchJobs({});
      const cancel = () => stream.cancel();
      signal.addEventListener("abort", cancel, { once: true });
      stream.once("metadata", onConnected);
      stream.on("data", onJob);
      stream.on("error", (error: ServiceError) => {
        signal.removeEventListener("abort", cancel);
        if (signal.aborted) resolve();
        else reject(error);
      });
      stream.on("end", () => {
        signal.removeEventListener("abort", cancel);
        resolve();
      });
    });
  }

  /** GetClusterStatus of every node; a node that does not answer is "offline". */
  statusAll(deadlineMs = 1000): Promise<NodeStatus[]> {
    return Promise.all(
      this.o.addresses.map(async (address): Promise<NodeStatus> => {
        try {
          const c = this.client(address);
          const status = await callUnary(c, c.getClusterStatus, {}, { deadlineMs });
          return { ...status, status: "online", address };
        } catch (error) {
          return { status: "offline", address, error: isServiceError(error) ? error.details : String(error) };
        }
      }),
    );
  }
}

function unavailable(message: string): ServiceError {
  return Object.assign(new Error(message), {
    code: GrpcStatus.UNAVAILABLE,
    details: message,
    metadata: new Metadata(),
  });
}
