// DatabaseClient: one object any service uses to talk to the db-node cluster. It discovers the
// primary, follows redirects, fails over when a node is down, retries with backoff within one
// deadline, spreads reads round-robin over healthy nodes, and reuses one channel per node. Reads,
// writes and stock changes issued concurrently to the same node travel together in Batch calls.
// Every mutating call it makes is safe to retry: writes and stock changes carry a request id the
// state machine deduplicates, 2PC calls are idempotent by transaction id.
import { randomUUID } from "node:crypto";
import { callUnary, clientFor, jitteredBackoff, type UnaryMethod } from "@bookstore/kit";
import {
  DatabaseServiceClient,
  type DatabaseStatusResponse,
  type KeyValue,
  type LeaderHint,
  type ValueType,
} from "@bookstore/proto";
import { type ServiceError, status } from "@grpc/grpc-js";
import { BatchSender, isBatchable } from "./batch-sender.js";

export { ValueType } from "@bookstore/proto";

export interface DatabaseClientOptions {
  /** host:port of every db-node. */
  addresses: string[];
  /** Deadline of one call including redirects and retries. */
  deadlineMs?: number;
  /** Deadline of one attempt on one node. */
  attemptTimeoutMs?: number;
  /** How long a node that failed is skipped for reads. */
  downForMs?: number;
  /**
   * Send concurrent reads, writes and stock changes to a node together in Batch calls (default
   * true). Off: one call per request.
   */
  batch?: boolean;
}

export interface ReadResult {
  found: boolean;
  value: string;
  version: number;
  type: ValueType;
  appliedIndex: number;
}

export interface StockResult {
  newValue: number;
  version: number;
}

export type NodeStatus =
  | ({ status: "online"; address: string } & DatabaseStatusResponse)
  | { status: "offline"; address: string; error: string };

/** The gRPC error of a call, with the current value / version a refusal carries (FAILED_PRECONDITION). */
export class DatabaseError extends Error {
  override name = "DatabaseError";
  constructor(
    readonly code: status,
    message: string,
    readonly currentValue?: number,
    readonly currentVersion?: number,
  ) {
    super(message);
  }

  static from(error: ServiceError): DatabaseError {
    const meta = (k: string) => {
      const v = error.metadata?.get(k)[0];
      return typeof v === "string" ? Number(v) : undefined;
    };
    return new DatabaseError(
      error.code,
      error.details || error.message,
      meta("x-current-value"),
      meta("x-version"),
    );
  }
}

/** Codes after which another node (or the same one, later) may succeed. */
const retryable = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.ABORTED, status.CANCELLED]);

interface Redirectable {
  success: boolean;
  primaryId?: string;
  primaryAddress?: string;
  primary?: LeaderHint | undefined;
}

function redirectOf(r: Redirectable): string | undefined {
  if (r.success) return undefined;
  const address = r.primaryAddress || r.primary?.leaderAddress || "";
  return address || undefined;
}

function isServiceError(e: unknown): e is ServiceError {
  return typeof e === "object" && e !== null && typeof (e as ServiceError).code === "number";
}

export class DatabaseClient {
  private readonly addresses: string[];
  private readonly deadlineMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly downForMs: number;
  private primary: string | undefined;
  private next = 0;
  private readonly downUntil = new Map<string, number>();
  private readonly batch: boolean;
  private readonly senders = new Map<string, BatchSender>();

  constructor(options: DatabaseClientOptions) {
    if (options.addresses.length === 0) throw new Error("DatabaseClient: no addresses");
    this.addresses = [...options.addresses];
    this.deadlineMs = options.deadlineMs ?? 5000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 1500;
    this.downForMs = options.downForMs ?? 1000;
    this.batch = options.batch ?? true;
  }

  /** The primary this client currently believes in (undefined until discovered). */
  get knownPrimary(): string | undefined {
    return this.primary;
  }

  async read(key: string, options: { stale?: boolean } = {}): Promise<ReadResult> {
    const r = await this.call("read", { key, stale: options.stale ?? false }, false);
    return {
      found: r.success,
      value: r.value,
      version: r.version,
      type: r.type,
      appliedIndex: r.appliedIndex,
    };
  }

  /**
   * Put (or compare-and-set with expectedVersion; 0 = the key must not exist). Returns the new
   * version. Its request id makes the retries after an unknown outcome apply it at most once.
   */
  async write(
    key: string,
    value: string,
    type: ValueType,
    expectedVersion?: number,
    requestId: string = randomUUID(),
  ): Promise<number> {
    const r = await this.call(
      "write",
      { key, value, type, requestId, ...(expectedVersion !== undefined ? { expectedVersion } : {}) },
      true,
    );
    return r.version;
  }

  /** Atomic decrement; refused (DatabaseError FAILED_PRECONDITION with currentValue) below zero. */
  async decrementStock(key: string, amount: number, requestId: string = randomUUID()): Promise<StockResult> {
    const r = await this.call("decrementStock", { key, amount, requestId }, true);
    return { newValue: r.newValue, version: r.version };
  }

  async incrementStock(key: string, amount: number, requestId: string = randomUUID()): Promise<StockResult> {
    const r = await this.call("incrementStock", { key, amount, requestId }, true);
    return { newValue: r.newValue, version: r.version };
  }

  /**
   * 2PC phase one: the vote. A no names why (`reasonCode` INSUFFICIENT_STOCK, NO_SUCH_KEY or
   * ALREADY_ABORTED) and the first key that could not be reserved with what was available there.
   */
  async prepareStock(
    transactionId: string,
    lines: { key: string; amount: number }[],
    coordinator = "",
  ): Promise<{ vote: boolean; message: string; reasonCode: string; key: string; available: number }> {
    const r = await this.call("prepareStock", { transactionId, lines, coordinator }, true);
    return {
      vote: r.success,
      message: r.message,
      reasonCode: r.reasonCode,
      key: r.key,
      available: r.available,
    };
  }

  async commitStock(transactionId: string): Promise<{ success: boolean; message: string }> {
    const r = await this.call("commitStock", { transactionId }, true);
    return { success: r.success, message: r.message };
  }

  async abortStock(transactionId: string): Promise<{ success: boolean; message: string }> {
    const r = await this.call("abortStock", { transactionId }, true);
    return { success: r.success, message: r.message };
  }

  /** One page of records (admin token required). */
  async readAll(
    adminToken: string,
    options: { prefix?: string; pageToken?: string; pageSize?: number } = {},
  ): Promise<{ items: KeyValue[]; nextPageToken: string }> {
    const r = await this.call(
      "readAll",
      {
        adminToken,
        prefix: options.prefix ?? "",
        pageToken: options.pageToken ?? "",
        pageSize: options.pageSize ?? 0,
      },
      false,
    );
    return { items: r.items, nextPageToken: r.nextPageToken };
  }

  /** GetStatus of every node; a node that does not answer is "offline". */
  async statusAll(deadlineMs = 1000): Promise<NodeStatus[]> {
    return Promise.all(
      this.addresses.map(async (address): Promise<NodeStatus> => {
        try {
          const client = clientFor(DatabaseServiceClient, address);
          const s = await callUnary(client, client.getStatus, {}, { deadlineMs });
          return { status: "online", ...s, address };
        } catch (error) {
          return { status: "offline", address, error: isServiceError(error) ? error.details : String(error) };
        }
      }),
    );
  }

  // ---- routing -------------------------------------------------------------------------------

  private healthy(address: string, now: number): boolean {
    return (this.downUntil.get(address) ?? 0) <= now;
  }

  /** Writes go to the known primary; reads (and writes before discovery) round-robin over healthy nodes. */
  private target(write: boolean): string {
    // Nothing is marked down in the common case: no clock read, no map lookups.
    if (this.downUntil.size === 0) {
      if (write && this.primary) return this.primary;
      return this.addresses[this.next++ % this.addresses.length] as string;
    }
    const now = Date.now();
    if (write && this.primary && this.healthy(this.primary, now)) return this.primary;
    for (let i = 0; i < this.addresses.length; i++) {
      const address = this.addresses[this.next++ % this.addresses.length] as string;
      if (this.healthy(address, now)) return address;
    }
    return this.addresses[this.next++ % this.addresses.length] as string;
  }

  private async call<M extends CallableMethods>(
    method: M,
    request: RequestOf<M>,
    write: boolean,
  ): Promise<ResponseOf<M>> {
    const deadline = Date.now() + this.deadlineMs;
    let redirectTo: string | undefined;
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      const remaining = attempt === 0 ? this.deadlineMs : deadline - Date.now();
      if (remaining <= 0) break;
      const address = redirectTo ?? this.target(write);
      redirectTo = undefined;
      try {
        const response = await this.send(
          method,
          request,
          address,
          Math.min(remaining, this.attemptTimeoutMs),
        );
        const redirect = redirectOf(response as Redirectable);
        if (redirect !== undefined && write) {
          this.primary = redirect;
          if (redirect !== address) redirectTo = redirect;
          else await sleep(backoff(attempt));
          lastError = new DatabaseError(status.UNAVAILABLE, (response as { message?: string }).message ?? "");
          continue;
        }
        if (write) this.primary = address;
        if (this.downUntil.size > 0) this.downUntil.delete(address);
        return response;
      } catch (error) {
        if (!isServiceError(error)) throw error;
        if (!retryable.has(error.code)) throw DatabaseError.from(error);
        lastError = error;
        if (error.code === status.UNAVAILABLE || error.code === status.DEADLINE_EXCEEDED) {
          this.downUntil.set(address, Date.now() + this.downForMs);
          if (this.primary === address) this.primary = undefined;
        }
        await sleep(Math.min(backoff(attempt), Math.max(0, deadline - Date.now())));
      }
    }
    if (isServiceError(lastError)) {
      const e = DatabaseError.from(lastError);
      throw new DatabaseError(status.UNAVAILABLE, `database unavailable: ${e.message}`);
    }
    throw lastError instanceof DatabaseError
      ? new DatabaseError(status.UNAVAILABLE, `database unavailable: ${lastError.message}`)
      : new DatabaseError(status.DEADLINE_EXCEEDED, "database call timed out");
  }

  /** One attempt on one node: in the node's next batch, or as its own call. */
  private send<M extends CallableMethods>(
    method: M,
    request: RequestOf<M>,
    address: string,
    deadlineMs: number,
  ): Promise<ResponseOf<M>> {
    if (this.batch && isBatchable(method)) {
      let sender = this.senders.get(address);
      if (!sender) {
        sender = new BatchSender(address);
        this.senders.set(address, sender);
      }
      return sender.send(method, request as never, Date.now() + deadlineMs) as Promise<ResponseOf<M>>;
    }
    const client = clientFor(DatabaseServiceClient, address);
    const fn = client[method] as unknown as UnaryMethod<RequestOf<M>, ResponseOf<M>>;
    return callUnary(client, fn, request, { deadlineMs });
  }
}

type CallableMethods =
  | "read"
  | "write"
  | "decrementStock"
  | "incrementStock"
  | "prepareStock"
  | "commitStock"
  | "abortStock"
  | "readAll";

// The generated client's last overload is (request, metadata, options, callback(error, response)).
type Last<M extends CallableMethods> = Parameters<DatabaseServiceClient[M]>;
type RequestOf<M extends CallableMethods> = Last<M>[0];
type ResponseOf<M extends CallableMethods> = NonNullable<Parameters<NonNullable<Last<M>[3]>>[1]>;

/** Short waits, at most 200 ms, while a new primary is found or elected. */
const backoff = (attempt: number) => jitteredBackoff(attempt, 10, 200);

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
