// The order-executor cluster as the orchestrator uses it: submit an order to the leader (found from
// any node's redirect; retried, since submitting the same job id twice changes nothing), read an
// order from any node, follow an order's changes as a stream that moves to another node when one
// goes away, and every node's status for the dashboard.
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

  /** Runs `attempt` on nodes in turn until it answers, or the deadline passes. */
  private async anyNode<T>(attempt: (address: string, remainingMs: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.o.deadlineMs;
    for (let i = 0; ; i++) {
      const address = this.rotate();
      try {
        return await attempt(address, Math.max(1, deadline - Date.now()));
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
        const r = await callUnary(
          c,
          c.submitJob,
          { jobId, payload, priority: 0 },
          { deadlineMs: Math.max(1, deadline - Date.now()), idempotent: true },
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
      return callUnary(c, c.getJob, { jobId }, { deadlineMs, idempotent: true });
    });
  }

  listJobs(status: JobStatus, limit: number): Promise<ListJobsResponse> {
    return this.anyNode((address, deadlineMs) => {
      const c = this.client(address);
      return callUnary(c, c.listJobs, { status, limit }, { deadlineMs, idempotent: true });
    });
  }

  /**
   * Calls `onUpdate` with the order now and at every change until it is finished (then resolves) or
   * `signal` aborts. A stream that breaks is reopened on another node; the order as of then comes
   * first, so nothing is missed.
   */
  async watch(jobId: string, onUpdate: (job: GetJobResponse) => void, signal: AbortSignal): Promise<void> {
    for (let i = 0; !signal.aborted; i++) {
      const finished = await this.watchOnce(this.rotate(), jobId, onUpdate, signal).catch(
        (error: ServiceError) => {
          if (error.code === GrpcStatus.NOT_FOUND || error.code === GrpcStatus.INVALID_ARGUMENT) throw error;
          return false;
        },
      );
      if (finished) return;
      await sleep(Math.min(500, 20 * 2 ** Math.min(i, 5)));
    }
  }

  private watchOnce(
    address: string,
    jobId: string,
    onUpdate: (job: GetJobResponse) => void,
    signal: AbortSignal,
  ) {
    return new Promise<boolean>((resolve, reject) => {
      const stream = this.client(address).watchJob({ jobId });
      let finished = false;
      const cancel = () => stream.cancel();
      signal.addEventListener("abort", cancel, { once: true });
      stream.on("data", (job: GetJobResponse) => {
        finished ||= isFinished(job);
        onUpdate(job);
      });
      stream.on("error", (error: ServiceError) => {
        signal.removeEventListener("abort", cancel);
        if (signal.aborted) resolve(true);
        else reject(error);
      });
      stream.on("end", () => {
        signal.removeEventListener("abort", cancel);
        resolve(finished || signal.aborted);
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
