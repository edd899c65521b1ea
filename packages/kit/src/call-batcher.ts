// Requests to one service made within a few milliseconds of each other travel in one call (e.g. the
// orchestrator's cleanups and purchases of the orders finishing together), each answered as its own
// call would be. Under load this turns an RPC per order into an RPC per window; alone, a request
// waits one window and goes as its own call. A window of 0 is the current event-loop turn: what one
// step issues together leaves together, with no wait (e.g. an executor's payment calls). A service
// that does not know the batch call yet (UNIMPLEMENTED: an older version during a rolling upgrade)
// gets one call per request from then on.
import { GrpcStatus, isServiceError } from "./errors.js";

export interface BatchCalls<Req, Res> {
  /** One call for many requests; the answers in the requests' order. */
  many(requests: Req[]): Promise<Res[]>;
  /** The same for one request alone. */
  one(request: Req): Promise<Res>;
}

export interface BatchSettings {
  /** How long a request waits for others to travel with; 0: those of the same event-loop turn. */
  windowMs: number;
  /** Most requests in one call (the service's own limit). */
  maxPerCall: number;
}

interface Waiting<Req, Res> {
  request: Req;
  resolve(result: Res): void;
  reject(error: unknown): void;
}

export class CallBatcher<Req, Res> {
  private queue: Waiting<Req, Res>[] = [];
  private flushScheduled = false;
  private single = false;

  constructor(
    private readonly calls: BatchCalls<Req, Res>,
    private readonly settings: BatchSettings,
  ) {}

  /** The request's own answer; rejected with the call's error when the whole call failed. */
  add(request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      const flush = () => {
        this.flushScheduled = false;
        void this.flush();
      };
      if (this.settings.windowMs === 0) setImmediate(flush);
      else setTimeout(flush, this.settings.windowMs).unref();
    });
  }

  private async flush(): Promise<void> {
    const queue = this.queue;
    this.queue = [];
    for (let i = 0; i < queue.length; i += this.settings.maxPerCall) {
      const batch = queue.slice(i, i + this.settings.maxPerCall);
      // A lone request goes as its own call: the same cost, and its trace names its order.
      if (batch.length > 1 && !this.single && (await this.sendMany(batch))) continue;
      for (const w of batch) this.calls.one(w.request).then(w.resolve, w.reject);
    }
  }

  /** False when the service does not know the batch call: the batch is then sent one by one. */
  private async sendMany(batch: Waiting<Req, Res>[]): Promise<boolean> {
    try {
      const results = await this.calls.many(batch.map((w) => w.request));
      if (results.length !== batch.length)
        throw new Error(`expected ${batch.length} answers in the batch, got ${results.length}`);
      for (const [j, w] of batch.entries()) w.resolve(results[j] as Res);
    } catch (error) {
      if (isServiceError(error) && error.code === GrpcStatus.UNIMPLEMENTED) {
        this.single = true;
        return false;
      }
      for (const w of batch) w.reject(error);
    }
    return true;
  }
}
