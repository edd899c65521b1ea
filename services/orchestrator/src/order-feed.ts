// What the executor cluster does with the orders, pushed to whoever here follows one: one WatchJobs
// stream per orchestrator (every change of every job), fanned out to the order pages' server-sent
// events and to the purchase recorder, instead of a stream per order. An order is read once when
// its first follower comes; later followers get the furthest state seen since (the SSE page and the
// purchase recorder follow every order: one linearizable read each, not two). An order followed
// from before it is submitted is not read at all: every change it will ever have comes on the stream.
// When the stream breaks it is reopened on another node and every order still followed is read
// again, so no change is missed.
import type { Logger } from "@bookstore/kit";
import { type GetJobResponse, JobStatus } from "@bookstore/proto";
import { type ExecutorClient, isFinished } from "./executor-client.js";

type Listener = (job: GetJobResponse) => void;

export interface FollowOptions {
  /**
   * The order is not submitted yet (the caller submits it once this returns): all its changes will
   * come on the stream, so it is not read. If the submission finds the order existed after all (a
   * retried checkout), the caller reads it with `refresh`.
   */
  unsubmitted?: boolean;
}

/** What the feed needs of the executor cluster. */
export type JobSource = Pick<ExecutorClient, "getJob" | "watchAll">;

export class OrderFeed {
  private readonly listeners = new Map<string, Set<Listener>>();
  /** The furthest state seen of each followed order, for the followers that come later. */
  private readonly latest = new Map<string, GetJobResponse>();
  /** Orders with a read on its way. */
  private readonly reading = new Set<string>();
  /** Orders followed from before they were submitted: every change comes on the stream. */
  private readonly unread = new Set<string>();
  private readonly stopped = new AbortController();
  private running = false;

  constructor(
    private readonly executor: JobSource,
    private readonly logger: Logger,
  ) {}

  /**
   * Calls `listener` with the order now and at every change until it is finished; the function it
   * returns stops that. Changes arrive in order, but the first read may overtake a change: callers
   * keep only what moves forward (see `followOrder`).
   */
  subscribe(orderId: string, listener: Listener, options: FollowOptions = {}): () => void {
    this.ensureRunning();
    const existing = this.listeners.get(orderId);
    const set = existing ?? new Set<Listener>();
    set.add(listener);
    if (existing) {
      // Followed already: every change since the first follower came is in `latest` or is still
      // to come on the stream, and that follower's read, when it lands, reaches this one too.
      // If nothing is known, no read is out (the first one failed) and the order was not followed
      // from before its submission (then its first change is still to come), this follower reads.
      const known = this.latest.get(orderId);
      if (known) queueMicrotask(() => set.has(listener) && listener(known));
      else if (!this.reading.has(orderId) && !this.unread.has(orderId)) void this.read(orderId);
    } else {
      this.listeners.set(orderId, set);
      if (options.unsubmitted) this.unread.add(orderId);
      else void this.read(orderId);
    }
    return () => {
      set.delete(listener);
      if (set.size > 0 || this.listeners.get(orderId) !== set) return;
      this.listeners.delete(orderId);
      this.latest.delete(orderId);
      this.unread.delete(orderId);
    };
  }

  /** Reads a followed order again, unless a read of it is already out. */
  refresh(orderId: string): void {
    if (!this.listeners.has(orderId)) return;
    this.unread.delete(orderId); // it existed before: a change may be past
    if (!this.reading.has(orderId)) void this.read(orderId);
  }

  close(): void {
    this.stopped.abort();
  }

  private ensureRunning(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    for (let failures = 0; !this.stopped.signal.aborted; ) {
      try {
        await this.executor.watchAll(
          () => {
            failures = 0;
            for (const id of this.listeners.keys()) void this.read(id);
          },
          (job) => this.publish(job),
          this.stopped.signal,
        );
      } catch (error) {
        if (failures++ === 0)
          this.logger.warn({ err: error }, "order feed broke; reconnecting to another executor");
      }
      await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** Math.min(failures, 6))));
    }
  }

  private async read(orderId: string): Promise<void> {
    this.reading.add(orderId);
    try {
      this.publish(await this.executor.getJob(orderId));
    } catch (error) {
      this.logger.debug(
        { orderId, err: error },
        "could not read a followed order; the feed will tell its changes",
      );
    } finally {
      this.reading.delete(orderId);
    }
  }

  private publish(job: GetJobResponse): void {
    const set = this.listeners.get(job.jobId);
    if (!set) return;
    const known = this.latest.get(job.jobId);
    if (!known || progress(job) > progress(known)) this.latest.set(job.jobId, job);
    for (const listener of set) listener(job);
  }
}

/** How far an order has come: its state, then the steps of its transaction. */
function progress(job: GetJobResponse): number {
  const state =
    job.status === JobStatus.JOB_STATUS_PENDING ? 0 : job.status === JobStatus.JOB_STATUS_EXECUTING ? 1 : 2;
  return state * 100 + (job.transaction?.history.length ?? 0);
}

/**
 * Follows one order until it is finished or `signal` aborts, calling `onUpdate` with each state
 * that moves it forward (a late read never takes it back).
 */
export function followOrder(
  feed: OrderFeed,
  orderId: string,
  onUpdate: Listener,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  return new Promise((resolve) => {
    let last: GetJobResponse | undefined;
    const done = () => {
      unsubscribe();
      resolve();
    };
    const unsubscribe = feed.subscribe(
      orderId,
      (job) => {
        if (last && progress(job) <= progress(last)) return;
        last = job;
        onUpdate(job);
        if (isFinished(job)) done();
      },
      options,
    );
    if (signal.aborted) done();
    else signal.addEventListener("abort", done, { once: true });
  });
}
