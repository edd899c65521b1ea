// The DatabaseService handlers of one db-node: validation, then a Raft proposal (writes) or a
// ReadIndex barrier (linearizable reads). Method and field names are the seed's.
import { AppError, implement, type ServiceRegistration, type UnaryHandlers } from "@bookstore/kit";
import {
  DatabaseServiceService,
  type LeaderHint,
  type ReadRequest,
  type ReadResponse,
  type ValueType,
  type WriteRequest,
  type WriteResponse,
} from "@bookstore/proto";
import {
  type PartitionControl,
  RaftError,
  type RaftNode,
  type RaftStatus,
  sameSecret,
} from "@bookstore/raft";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { runBatch } from "./batch.js";
import { type Command, type CommandResult, type DbState, encodeCommand } from "./state-machine.js";
import { checkAmount, checkKey, checkPrepare, checkRequestId, checkTxId, checkValue } from "./validation.js";

export const PROCESS = "db-node";

export interface DbServiceOptions {
  node: RaftNode<CommandResult | undefined>;
  state: DbState;
  adminToken: string;
  partition?: PartitionControl;
  /** Wall clock for reservation timestamps (tests may fix it). */
  now?: () => number;
}

export type DbHandlers = UnaryHandlers<typeof DatabaseServiceService>;

/** "primary" | "replica" | "candidate", the seed's words for leader / follower / (pre)candidate. */
export function roleName(s: RaftStatus): string {
  if (s.role === "leader") return "primary";
  if (s.role === "candidate" || s.role === "preCandidate") return "candidate";
  return "replica";
}

class Redirect {
  constructor(
    readonly id: string,
    readonly address: string,
  ) {}
}

const NOT_PRIMARY = "NOT_PRIMARY";

/** A RaftError as what the caller can act on: a redirect, or a gRPC status. */
function translate(error: unknown): Redirect {
  if (error instanceof RaftError) {
    if (error.code === "NOT_LEADER") {
      if (error.leaderId && error.leaderAddress) return new Redirect(error.leaderId, error.leaderAddress);
      throw new AppError(GrpcStatus.UNAVAILABLE, "no primary is elected at the moment; retry shortly");
    }
    if (error.outcomeUnknown) {
      // The command may or may not be applied: only idempotent requests (request_id, CAS) may retry.
      throw new AppError(GrpcStatus.ABORTED, `outcome unknown: ${error.message}`);
    }
    throw new AppError(GrpcStatus.UNAVAILABLE, error.message);
  }
  throw error;
}

export function dbHandlers(options: DbServiceOptions): DbHandlers {
  const { node, state, adminToken } = options;
  const now = options.now ?? Date.now;

  /**
   * Proposes on the primary; a replica answers with where the primary is. No status() snapshot per
   * call: a non-leader's propose() rejects at once with NOT_LEADER (leader id and address), which
   * translate() turns into the same redirect or UNAVAILABLE.
   */
  const propose = async (command: Command): Promise<CommandResult | Redirect> => {
    try {
      const result = await node.propose(encodeCommand(command));
      if (!result) throw new AppError(GrpcStatus.INTERNAL, "command produced no result");
      return result;
    } catch (error) {
      if (error instanceof AppError) throw error;
      return translate(error);
    }
  };

  const hint = (r: Redirect): LeaderHint => ({ leaderId: r.id, leaderAddress: r.address });
  const notPrimary = (r: Redirect) =>
    `${NOT_PRIMARY}: this node is a replica; the primary is ${r.id} at ${r.address}`;

  const requireAdmin = (token: string) => {
    if (!sameSecret(token, adminToken))
      throw new AppError(GrpcStatus.PERMISSION_DENIED, "admin token required");
  };

  const stockChange = async (key: string, amount: number, requestId: string, sign: 1 | -1) => {
    checkKey(key);
    checkAmount(amount);
    checkRequestId(requestId);
    const r = await propose({
      op: "add",
      key,
      delta: sign * amount,
      ...(requestId ? { rid: requestId } : {}),
    });
    const base = { newValue: 0, currentValue: 0, version: 0, primaryId: "", primaryAddress: "" };
    if (r instanceof Redirect) {
      return { ...base, success: false, message: notPrimary(r), primaryId: r.id, primaryAddress: r.address };
    }
    if (!r.ok) {
      if (r.code === "NOT_FOUND") throw AppError.notFound(r.message);
      throw AppError.failedPrecondition(r.message, {
        "x-current-value": String(r.value ?? 0),
        "x-version": String(r.version),
      });
    }
    return {
      ...base,
      success: true,
      message: "",
      newValue: r.value ?? 0,
      currentValue: r.value ?? 0,
      version: r.version,
      primaryId: node.id,
    };
  };

  const decide = async (txId: string, op: "commit" | "abort") => {
    checkTxId(txId);
    const r = await propose({ op, tx: txId });
    if (r instanceof Redirect) return { success: false, message: notPrimary(r), primary: hint(r) };
    return { success: r.ok, message: r.ok ? "" : r.message, primary: undefined };
  };

  /** Waits until local state reflects every write committed before now (ReadIndex via the leader). */
  const readBarrier = async () => {
    try {
      await node.readBarrier();
    } catch (error) {
      const r = translate(error);
      // A follower forwards ReadIndex to the leader itself; NOT_LEADER here means no leader is known.
      throw new AppError(GrpcStatus.UNAVAILABLE, `cannot serve a linearizable read: primary is ${r.id}`);
    }
  };

  const serveRead = async (req: ReadRequest, barrier: () => Promise<void>): Promise<ReadResponse> => {
    checkKey(req.key);
    if (!req.stale) await barrier();
    const appliedIndex = node.appliedIndex;
    const record = state.get(req.key);
    if (!record) {
      return { success: false, value: "", version: 0, message: `no key ${req.key}`, type: 0, appliedIndex };
    }
    return {
      success: true,
      value: record.value,
      version: record.version,
      message: "",
      type: record.type as number as ValueType,
      appliedIndex,
    };
  };

  const serveWrite = async (req: WriteRequest): Promise<WriteResponse> => {
    checkKey(req.key);
    checkRequestId(req.requestId);
    const { value, type } = checkValue(req.value, req.type);
    if (
      req.expectedVersion !== undefined &&
      (!Number.isSafeInteger(req.expectedVersion) || req.expectedVersion < 0)
    ) {
      throw AppError.invalid([{ field: "expected_version", message: "expected_version must be >= 0" }]);
    }
    const r = await propose({
      op: "put",
      key: req.key,
      value,
      type,
      ...(req.expectedVersion !== undefined ? { expected: req.expectedVersion } : {}),
      ...(req.requestId ? { rid: req.requestId } : {}),
    });
    if (r instanceof Redirect) {
      return {
        success: false,
        message: notPrimary(r),
        version: 0,
        primaryId: r.id,
        primaryAddress: r.address,
      };
    }
    if (!r.ok) {
      throw AppError.failedPrecondition(r.message, { "x-version": String(r.version) });
    }
    return { success: true, message: "", version: r.version, primaryId: node.id, primaryAddress: "" };
  };

  const handlers: DbHandlers = {
    read: (req) => serveRead(req, readBarrier),

    write: serveWrite,

    decrementStock: (req) => stockChange(req.key, req.amount, req.requestId, -1),
    incrementStock: (req) => stockChange(req.key, req.amount, req.requestId, 1),

    getStatus: () => {
      const s = node.status();
      return {
        nodeId: node.id,
        role: roleName(s),
        primaryId: s.leaderId,
        recordCount: state.records.size,
        term: s.term,
        commitIndex: s.commitIndex,
        appliedIndex: s.appliedIndex,
        peers: s.peers.map((p) => ({ nodeId: p.id, address: p.address, matchIndex: p.matchIndex })),
        address: s.peers.find((p) => p.id === node.id)?.address ?? "",
      };
    },

    readAll: (req) => {
      requireAdmin(req.adminToken);
      const size = req.pageSize > 0 ? Math.min(req.pageSize, 1000) : 100;
      const after = req.pageToken ? Buffer.from(req.pageToken, "base64url").toString() : "";
      const page = state.scan(req.prefix, after, size + 1);
      const items = page.slice(0, size).map(([key, r]) => ({
        key,
        value: r.value,
        version: r.version,
        type: r.type as number as ValueType,
      }));
      const last = items.at(-1);
      return {
        items,
        totalReturned: items.length,
        nextPageToken: page.length > size && last ? Buffer.from(last.key).toString("base64url") : "",
      };
    },

    prepareStock: async (req) => {
      const lines = req.lines.map((l) => ({ key: l.key, amount: l.amount }));
      checkPrepare(req.transactionId, lines, req.coordinator);
      const r = await propose({
        op: "prepare",
        tx: req.transactionId,
        lines,
        coordinator: req.coordinator,
        at: now(),
      });
      const vote = { success: false, message: "", primary: undefined, reasonCode: "", key: "", available: 0 };
      if (r instanceof Redirect) return { ...vote, message: notPrimary(r), primary: hint(r) };
      if (r.ok) return { ...vote, success: true };
      return {
        ...vote,
        message: r.message,
        reasonCode: r.reason ?? "",
        key: r.key ?? "",
        available: r.value ?? 0,
      };
    },
    commitStock: (req) => decide(req.transactionId, "commit"),
    abortStock: (req) => decide(req.transactionId, "abort"),

    setPartition: (req) => {
      requireAdmin(req.adminToken);
      if (!options.partition) throw new AppError(GrpcStatus.UNIMPLEMENTED, "fault injection is not enabled");
      options.partition.block(req.blockedPeers);
      return { blockedPeers: [...options.partition.blocked] };
    },

    batch: async (req) => {
      // Every linearizable read of the batch waits for the same ReadIndex round.
      let shared: Promise<void> | undefined;
      const results = await runBatch(req.operations, {
        read: (r) => serveRead(r, () => (shared ??= readBarrier())),
        write: serveWrite,
        decrementStock: (r) => stockChange(r.key, r.amount, r.requestId, -1),
        incrementStock: (r) => stockChange(r.key, r.amount, r.requestId, 1),
      });
      return { results };
    },
  };
  return handlers;
}

export function databaseService(
  options: DbServiceOptions,
  handlers = dbHandlers(options),
): ServiceRegistration {
  return {
    name: "bookstore.v1.DatabaseService",
    definition: DatabaseServiceService,
    implementation: implement(DatabaseServiceService, handlers),
  };
}
