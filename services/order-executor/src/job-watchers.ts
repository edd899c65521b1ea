// WatchJob: streams that follow one order, and WatchJobs: streams of every change. The state machine
// tells the watchers of every change it applies (on every node, so any node can serve a watch); a
// WatchJob stream gets the order at once, then each change, and ends when the order is COMPLETED or
// FAILED; every stream ends when the client goes, or at shutdown.
import { AppError, type Logger, toServiceError } from "@bookstore/kit";
import type { GetJobRequest, GetJobResponse, WatchJobsRequest } from "@bookstore/proto";
import { Metadata, type ServerWritableStream } from "@grpc/grpc-js";
import { isTerminal, jobView } from "./job-view.js";
import type { Job, OrderState } from "./order-state-machine.js";
import type { Transaction } from "./two-phase-commit/transaction.js";
import { checkJobId } from "./validation.js";

type Stream = ServerWritableStream<GetJobRequest, GetJobResponse>;
type FeedStream = ServerWritableStream<WatchJobsRequest, GetJobResponse>;

/** Most streams one node serves at once (each is a few hundred bytes and a subscription). */
const MAX_WATCHERS = 10_000;
/** Most WatchJobs streams (one per orchestrator is the use). */
const MAX_FEEDS = 100;

export class JobWatchers {
  private readonly byJob = new Map<string, Set<Stream>>();
  private readonly feeds = new Set<FeedStream>();
  private count = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called by the state machine after it changed `job`. */
  changed(job: Job, tx: Transaction | undefined): void {
    const streams = this.byJob.get(job.id);
    if (!streams && this.feeds.size === 0) return;
    const view = jobView(job, tx, this.now());
    for (const feed of this.feeds) feed.write(view);
    for (const stream of streams ?? []) {
      stream.write(view);
      if (isTerminal(job)) this.close(job.id, stream);
    }
  }

  /** The WatchJob handler; `ready` resolves when local state is linearizable (ReadIndex). */
  handler(state: OrderState, ready: () => Promise<void>) {
    return (stream: Stream) => {
      void this.watch(stream, state, ready).catch((error: unknown) => {
        if (!(error instanceof AppError)) this.logger.error({ err: error }, "WatchJob failed");
        stream.emit("error", toServiceError(error));
      });
    };
  }

  /** The WatchJobs handler: every change from now on, until the client goes. */
  feedHandler() {
    return (stream: FeedStream) => {
      if (this.feeds.size >= MAX_FEEDS) {
        stream.emit("error", toServiceError(AppError.unavailable("too many WatchJobs streams on this node")));
        return;
      }
      this.feeds.add(stream);
      stream.once("cancelled", () => this.feeds.delete(stream));
      // Headers now: the client knows it is connected and reads what it follows again.
      stream.sendMetadata(new Metadata());
    };
  }

  /** Ends every stream (shutdown: the server's drain must not wait for them). */
  closeAll(): void {
    for (const [id, streams] of this.byJob) for (const s of streams) this.close(id, s);
    for (const feed of this.feeds) feed.end();
    this.feeds.clear();
  }

  private async watch(stream: Stream, state: OrderState, ready: () => Promise<void>): Promise<void> {
    const id = stream.request.jobId;
    checkJobId(id);
    if (this.count >= MAX_WATCHERS) throw AppError.unavailable("too many watchers on this node; try another");
    await ready();
    const job = state.jobs.get(id);
    if (!job) throw AppError.notFound(`no order ${id}`);
    stream.write(jobView(job, state.txs.get(job.txId), this.now()));
    if (isTerminal(job) || stream.cancelled) {
      stream.end();
      return;
    }
    const set = this.byJob.get(id) ?? new Set<Stream>();
    this.byJob.set(id, set);
    set.add(stream);
    this.count++;
    stream.once("cancelled", () => this.close(id, stream, false));
  }

  private close(id: string, stream: Stream, end = true): void {
    const set = this.byJob.get(id);
    if (!set?.delete(stream)) return;
    this.count--;
    if (set.size === 0) this.byJob.delete(id);
    if (end) stream.end();
  }
}
