// Resolves reservations whose 2PC decision never came: after a timeout the primary asks the
// coordinator named in Prepare (OrderExecutorService.GetDecision) and applies COMMIT or ABORT.
// PENDING, unknown or unreachable leaves the reservation in place: never guess commit (or abort).
import { callUnary, clientFor } from "@bookstore/kit";
import { OrderExecutorServiceClient, TransactionDecision } from "@bookstore/proto";
import type { RaftNode } from "@bookstore/raft";
import { type CommandResult, type DbState, encodeCommand } from "./state-machine.js";

export type Decision = "COMMIT" | "ABORT" | "PENDING" | "UNKNOWN";

/** Asks a coordinator for the decision on a transaction. */
export type DecisionSource = (coordinator: string, txId: string) => Promise<Decision>;

/** The real source: GetDecision on the coordinator address (following one leader hint). */
export function grpcDecisionSource(deadlineMs = 1000): DecisionSource {
  return async (coordinator, txId) => {
    let address = coordinator;
    for (let hop = 0; hop < 2 && address; hop++) {
      try {
        const client = clientFor(OrderExecutorServiceClient, address);
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
        if (!next || next === address) return "UNKNOWN";
        address = next;
      } catch {
        return "UNKNOWN";
      }
    }
    return "UNKNOWN";
  };
}

export interface ResolverOptions {
  node: RaftNode<CommandResult | undefined>;
  state: DbState;
  source: DecisionSource;
  timeoutMs: number;
  intervalMs?: number;
  now?: () => number;
  onResolved?: (txId: string, decision: Decision) => void;
}

/** One pass: returns the transactions it resolved. Only the primary resolves. */
export async function resolveStaleReservations(o: ResolverOptions): Promise<string[]> {
  if (o.node.status().role !== "leader") return [];
  const now = (o.now ?? Date.now)();
  const stale = [...o.state.reservations].filter(([, r]) => r.coordinator && now - r.at >= o.timeoutMs);
  const resolved: string[] = [];
  await Promise.all(
    stale.map(async ([tx, r]) => {
      const decision = await o.source(r.coordinator, tx);
      if (decision !== "COMMIT" && decision !== "ABORT") return;
      try {
        await o.node.propose(encodeCommand({ op: decision === "COMMIT" ? "commit" : "abort", tx }));
        resolved.push(tx);
        o.onResolved?.(tx, decision);
      } catch {
        // next pass
      }
    }),
  );
  return resolved;
}

/** Runs resolveStaleReservations every intervalMs; returns a stop function. */
export function startDecisionResolver(o: ResolverOptions): () => void {
  let running = false;
  const timer = setInterval(
    () => {
      if (running) return;
      running = true;
      void resolveStaleReservations(o).finally(() => {
        running = false;
      });
    },
    o.intervalMs ?? Math.max(200, Math.min(5000, o.timeoutMs / 4)),
  );
  timer.unref();
  return () => clearInterval(timer);
}
