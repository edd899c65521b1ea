// A stand-in coordinator for participant tests: a real gRPC server implementing
// OrderExecutorService.GetDecision from a fixed decision table written by the test (the other
// methods answer UNIMPLEMENTED). A transaction not in the table gets UNSPECIFIED with the leader
// hint `redirectTo`, if given, as a follower of the executor cluster would answer.
import {
  AppError,
  GrpcStatus,
  implement,
  type Logger,
  type RunningGrpcServer,
  startGrpcServer,
} from "@bookstore/kit";
import { OrderExecutorServiceService, TransactionDecision } from "@bookstore/proto";

export { TransactionDecision };

/** The table most tests use: one transaction per answer a coordinator can give. */
export const COMMIT_ABORT_PENDING: Record<string, TransactionDecision> = {
  "tx-commit": TransactionDecision.TRANSACTION_DECISION_COMMIT,
  "tx-abort": TransactionDecision.TRANSACTION_DECISION_ABORT,
  "tx-pending": TransactionDecision.TRANSACTION_DECISION_PENDING,
};

export interface FixedDecisionCoordinator {
  server: RunningGrpcServer;
  address: string;
  /** GetDecision calls answered, by transaction id. */
  asked: Map<string, number>;
}

export async function startFixedDecisionCoordinator(
  table: Record<string, TransactionDecision>,
  logger: Logger,
  redirectTo = "",
): Promise<FixedDecisionCoordinator> {
  const asked = new Map<string, number>();
  const unimplemented = () => {
    throw new AppError(GrpcStatus.UNIMPLEMENTED, "not part of this test");
  };
  const server = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    logger,
    services: [
      {
        name: "bookstore.v1.OrderExecutorService",
        definition: OrderExecutorServiceService,
        implementation: implement(OrderExecutorServiceService, {
          submitJob: unimplemented,
          getLeader: unimplemented,
          getJob: unimplemented,
          getClusterStatus: unimplemented,
          listJobs: unimplemented,
          setPaused: unimplemented,
          setPartition: unimplemented,
          getDecision: (req) => {
            asked.set(req.transactionId, (asked.get(req.transactionId) ?? 0) + 1);
            const decision = table[req.transactionId];
            if (decision !== undefined) return { decision, leader: undefined };
            return {
              decision: TransactionDecision.TRANSACTION_DECISION_UNSPECIFIED,
              leader: redirectTo ? { leaderId: "leader", leaderAddress: redirectTo } : undefined,
            };
          },
        }),
      },
    ],
  });
  return { server, address: `127.0.0.1:${server.port}`, asked };
}
