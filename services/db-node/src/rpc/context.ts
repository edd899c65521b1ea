// What every DatabaseService handler shares: the node and its state, proposing a command on the
// primary (a replica answers where the primary is), waiting for a linearizable read, the admin check.
import { AppError } from "@bookstore/kit";
import type { LeaderHint } from "@bookstore/proto";
import {
  type PartitionControl,
  RaftError,
  type RaftNode,
  type RaftStatus,
  sameSecret,
} from "@bookstore/raft";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { type Command, type CommandResult, type DbState, encodeCommand } from "../state-machine.js";

export interface DbContext {
  node: RaftNode<CommandResult | undefined>;
  state: DbState;
  adminToken: string;
  partition?: PartitionControl;
  /** Wall clock for reservation timestamps (tests may fix it). */
  now: () => number;
}

/** "primary" | "replica" | "candidate", the seed's words for leader / follower / (pre)candidate. */
export function roleName(s: RaftStatus): string {
  if (s.role === "leader") return "primary";
  if (s.role === "candidate" || s.role === "preCandidate") return "candidate";
  return "replica";
}

/** This node is a replica: the primary is elsewhere. */
export class Redirect {
  constructor(
    readonly id: string,
    readonly address: string,
  ) {}

  get hint(): LeaderHint {
    return { leaderId: this.id, leaderAddress: this.address };
  }

  get message(): string {
    return `NOT_PRIMARY: this node is a replica; the primary is ${this.id} at ${this.address}`;
  }
}

/** A RaftError as what the caller can act on: a redirect, or a gRPC status. */
function translate(error: unknown): Redirect {
  if (!(error instanceof RaftError)) throw error;
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

/**
 * Proposes on the primary; a replica answers with where the primary is. No status() snapshot per
 * call: a non-leader's propose() rejects at once with NOT_LEADER (leader id and address).
 */
export async function propose(ctx: DbContext, command: Command): Promise<CommandResult | Redirect> {
  try {
    const result = await ctx.node.propose(encodeCommand(command));
    if (!result) throw new AppError(GrpcStatus.INTERNAL, "command produced no result");
    return result;
  } catch (error) {
    if (error instanceof AppError) throw error;
    return translate(error);
  }
}

/** Waits until local state reflects every write committed before now (ReadIndex via the leader). */
export async function readBarrier(ctx: DbContext): Promise<void> {
  try {
    await ctx.node.readBarrier();
  } catch (error) {
    const r = translate(error);
    // A follower forwards ReadIndex to the leader itself; NOT_LEADER here means no leader is known.
    throw new AppError(GrpcStatus.UNAVAILABLE, `cannot serve a linearizable read: primary is ${r.id}`);
  }
}

export function requireAdmin(ctx: DbContext, token: string): void {
  if (!sameSecret(token, ctx.adminToken))
    throw new AppError(GrpcStatus.PERMISSION_DENIED, "admin token required");
}
