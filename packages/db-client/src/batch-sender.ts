// Coalesces the requests a process issues concurrently to one db-node into Batch calls: whatever is
// submitted in the same event-loop turn leaves as one RPC (one HTTP/2 stream here, one Raft append
// and one ReadIndex round on the node) instead of one call each. Every request still gets its own
// response or error, exactly as its own call would have; a lone request goes as its own call.
import { callUnary, clientFor } from "@bookstore/kit";
import {
  type AbortStockRequest,
  type AbortStockResponse,
  type BatchOperation,
  type BatchResult,
  type CommitStockRequest,
  type CommitStockResponse,
  DatabaseServiceClient,
  type DecrementStockRequest,
  type DecrementStockResponse,
  type IncrementStockRequest,
  type IncrementStockResponse,
  type PrepareStockRequest,
  type PrepareStockResponse,
  type ReadRequest,
  type ReadResponse,
  type WriteRequest,
  type WriteResponse,
} from "@bookstore/proto";
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";

/** The calls Batch carries, with their request and response types. */
export interface BatchableCalls {
  read: [ReadRequest, ReadResponse];
  write: [WriteRequest, WriteResponse];
  decrementStock: [DecrementStockRequest, DecrementStockResponse];
  incrementStock: [IncrementStockRequest, IncrementStockResponse];
  prepareStock: [PrepareStockRequest, PrepareStockResponse];
  commitStock: [CommitStockRequest, CommitStockResponse];
  abortStock: [AbortStockRequest, AbortStockResponse];
}
export type BatchableMethod = keyof BatchableCalls;

const BATCHABLE: ReadonlySet<string> = new Set<BatchableMethod>([
  "read",
  "write",
  "decrementStock",
  "incrementStock",
  "prepareStock",
  "commitStock",
  "abortStock",
]);

export function isBatchable(method: string): method is BatchableMethod {
  return BATCHABLE.has(method);
}

interface Waiting {
  method: BatchableMethod;
  request: BatchableCalls[BatchableMethod][0];
  deadline: number;
  resolve: (response: BatchableCalls[BatchableMethod][1]) => void;
  reject: (error: unknown) => void;
}

/** Below the server's limit of 1000 operations per Batch. */
const MAX_OPERATIONS = 500;

export class BatchSender {
  private waiting: Waiting[] = [];
  private scheduled = false;
  /** The node answered Batch with UNIMPLEMENTED (an older version): single calls from then on. */
  private unsupported = false;

  constructor(private readonly address: string) {}

  /** Sends `request` in the next batch to this node; `deadline` is a Date.now() timestamp. */
  send<M extends BatchableMethod>(
    method: M,
    request: BatchableCalls[M][0],
    deadline: number,
  ): Promise<BatchableCalls[M][1]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ method, request, deadline, resolve: resolve as Waiting["resolve"], reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = [];
    for (let i = 0; i < all.length; i += MAX_OPERATIONS) this.dispatch(all.slice(i, i + MAX_OPERATIONS));
  }

  private dispatch(group: Waiting[]): void {
    if (group.length === 1 || this.unsupported) {
      for (const w of group) this.single(w);
      return;
    }
    const client = clientFor(DatabaseServiceClient, this.address);
    let deadline = Number.POSITIVE_INFINITY;
    for (const w of group) deadline = Math.min(deadline, w.deadline);
    const operations = group.map(
      (w) => ({ operation: { $case: w.method, value: w.request } }) as BatchOperation,
    );
    callUnary(client, client.batch, { operations }, { deadlineMs: deadline - Date.now() }).then(
      (response) => {
        for (const [i, w] of group.entries()) settle(w, response.results[i]);
      },
      (error: ServiceError) => {
        if (error.code === status.UNIMPLEMENTED) {
          this.unsupported = true;
          for (const w of group) this.single(w);
          return;
        }
        for (const w of group) w.reject(error);
      },
    );
  }

  private single(w: Waiting): void {
    const client = clientFor(DatabaseServiceClient, this.address);
    const method = client[w.method] as unknown as typeof client.read;
    callUnary(client, method, w.request as ReadRequest, { deadlineMs: w.deadline - Date.now() }).then(
      w.resolve,
      w.reject,
    );
  }
}

function settle(w: Waiting, result: BatchResult | undefined): void {
  if (result && result.code === status.OK && result.response?.$case === w.method) {
    w.resolve(result.response.value);
    return;
  }
  const code = result ? result.code : status.INTERNAL;
  const details = result ? result.errorMessage : "the batch response has fewer results than operations";
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(result?.errorMetadata ?? {})) metadata.set(key, value);
  // Shaped like the error of a single call, so callers handle both the same way.
  const error = Object.assign(new Error(`${code} ${status[code] ?? "UNKNOWN"}: ${details}`), {
    code,
    details,
    metadata,
  });
  w.reject(error);
}
