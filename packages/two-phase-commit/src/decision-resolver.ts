// Resolves prepared transactions whose 2PC decision never came: every interval, on the replica that
// owns the state (the Raft leader), the participant asks the coordinator named at Prepare
// (OrderExecutorService.GetDecision) about transactions older than a timeout and applies COMMIT or
// ABORT. PENDING, unknown or unreachable leaves the transaction in place: a participant that voted
// yes may not guess either way, since the coordinator may have decided the other.
import { callUnary, clientFor, type FieldProblem } from "@bookstore/kit";
import { OrderExecutorServiceClient, TransactionDecision } from "@bookstore/proto";

export type Verdict = "COMMIT" | "ABORT" | "PENDING" | "UNKNOWN";

/** Asks a coordinator for the decision on a transaction. */
export type DecisionSource = (coordinator: string, txId: string) => Promise<Verdict>;

/** One coordinator node's answer, following one leader hint; UNKNOWN when it cannot say. */
async function askNode(address: string, txId: string, deadlineMs: number): Promise<Verdict> {
  let at = address;
  for (let hop = 0; hop < 2 && at; hop++) {
    try {
      const client = clientFor(OrderExecutorServiceClient, at);
      const reply = await callUnary(
        client,
        client.getDecision,
        { transactionId: txId },
        { deadlineMs, idempotent: true },
      );
      switch (reply.decision) {
        case TransactionDecision.TRANSACTION_DECISION_COMMIT:
          return "COMMIT";
        case TransactionDecision.TRANSACTION_DECISION_ABORT:
          return "ABORT";
        case TransactionDecision.TRANSACTION_DECISION_PENDING:
          return "PENDING";
      }
      const next = reply.leader?.leaderAddress ?? "";
      if (!next || next === at) return "UNKNOWN";
      at = next;
    } catch {
      return "UNKNOWN";
    }
  }
  return "UNKNOWN";
}

/**
 * The real source: GetDecision on the coordinator named at Prepare — one address, or the cluster's
 * addresses separated by commas, asked in turn until one can say (a node that is down, or a
 * follower without a leader to name, cannot).
 */
export function grpcDecisionSource(deadlineMs = 1000): DecisionSource {
  return async (coordinator, txId) => {
    for (const address of coordinator.split(",")) {
      const verdict = await askNode(address.trim(), txId, deadlineMs);
      if (verdict !== "UNKNOWN") return verdict;
    }
    return "UNKNOWN";
  };
}

export interface OpenTransaction {
  coordinator: string;
  /** When it was prepared (ms, the proposer's wall clock). */
  at: number;
}

/** The open transactions due for a question: a coordinator to ask, and older than the timeout. */
export function staleTransactions(
  open: Iterable<[string, OpenTransaction]>,
  now: number,
  timeoutMs: number,
): [string, OpenTransaction][] {
  return [...open].filter(([, t]) => t.coordinator !== "" && now - t.at >= timeoutMs);
}

export interface ResolverOptions {
  /** True only where decisions may be applied (the Raft leader of the participant's group). */
  isOwner: () => boolean;
  open: () => Iterable<[string, OpenTransaction]>;
  /** Applies the coordinator's decision (a replicated command); a rejection is retried next pass. */
  apply: (txId: string, decision: "COMMIT" | "ABORT") => Promise<unknown>;
  source: DecisionSource;
  timeoutMs: number;
  intervalMs?: number;
  now?: () => number;
  onResolved?: (txId: string, decision: "COMMIT" | "ABORT") => void;
  onError?: (txId: string, error: unknown) => void;
}

/** One pass: asks about every stale transaction at once and returns those it resolved. */
export async function resolveStaleTransactions(o: ResolverOptions): Promise<string[]> {
  if (!o.isOwner()) return [];
  const stale = staleTransactions(o.open(), (o.now ?? Date.now)(), o.timeoutMs);
  const resolved: string[] = [];
  await Promise.all(
    stale.map(async ([tx, t]) => {
      const verdict = await o.source(t.coordinator, tx);
      if (verdict !== "COMMIT" && verdict !== "ABORT") return;
      try {
        await o.apply(tx, verdict);
        resolved.push(tx);
        o.onResolved?.(tx, verdict);
      } catch (error) {
        o.onError?.(tx, error);
      }
    }),
  );
  return resolved;
}

/** Runs resolveStaleTransactions every intervalMs (one pass at a time); returns a stop function. */
export function startDecisionResolver(o: ResolverOptions): () => void {
  let running = false;
  const timer = setInterval(
    () => {
      if (running) return;
      running = true;
      void resolveStaleTransactions(o).finally(() => {
        running = false;
      });
    },
    o.intervalMs ?? Math.max(200, Math.min(5000, o.timeoutMs / 4)),
  );
  timer.unref();
  return () => clearInterval(timer);
}

const COORDINATOR_ADDRESS = /^[A-Za-z0-9.\-[\]:]{1,253}:\d{1,5}$/;
const MAX_COORDINATORS = 16;

/** Checks the coordinator a Prepare names: empty (never ask), host:port, or a list of them. */
export function coordinatorProblems(coordinator: string, field = "coordinator"): FieldProblem[] {
  if (coordinator === "") return [];
  const list = coordinator.split(",");
  return list.length <= MAX_COORDINATORS && list.every((a) => COORDINATOR_ADDRESS.test(a.trim()))
    ? []
    : [
        {
          field,
          message: `${field} must be empty, host:port, or up to ${MAX_COORDINATORS} of them separated by commas`,
        },
      ];
}
