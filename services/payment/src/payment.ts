// Assembles the payment service: its state machine on a single-node Raft group (every change an
// fsync'd log entry before it is answered; snapshots compact the log), the gRPC server, and the
// resolver that asks the coordinator about holds whose decision never came.
import { type Logger, type RunningGrpcServer, startGrpcServer } from "@bookstore/kit";
import { GrpcTransport, RaftNode } from "@bookstore/raft";
import { type DecisionSource, grpcDecisionSource, startDecisionResolver } from "@bookstore/two-phase-commit";
import { CardCipher } from "./card-cipher.js";
import type { Config } from "./config.js";
import { newConfirmationCode } from "./receipt-ids.js";
import { paymentService } from "./service.js";
import { type Command, type CommandResult, encodeCommand, PaymentStateMachine } from "./state-machine.js";

export interface RunningPayment {
  port: number;
  adminPort: number | undefined;
  node: RaftNode<CommandResult | undefined>;
  state: PaymentStateMachine;
  close(): Promise<void>;
}

const NODE_ID = "payment";

interface Store {
  node: RaftNode<CommandResult | undefined>;
  state: PaymentStateMachine;
}

/** Opens the log, waits until the group's only member leads and has applied all of it. */
async function openStore(config: Config, logger: Logger): Promise<Store> {
  const state = new PaymentStateMachine();
  const address = `${config.PAYMENT_HOST}:${config.PAYMENT_PORT}`;
  const node = await RaftNode.create<CommandResult | undefined>({
    id: NODE_ID,
    address,
    peers: [{ id: NODE_ID, address }],
    dataDir: config.PAYMENT_DATA_DIR,
    stateMachine: state,
    // No peers: the transport never sends; the election timeout only delays the start.
    transport: new GrpcTransport(NODE_ID, { token: config.PAYMENT_ADMIN_TOKEN }),
    tickMs: 20,
    electionTick: 5,
    logger,
  });
  node.start();
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      // A new leader's ReadIndex waits for its first entry to commit: everything before is applied.
      await node.readBarrier(1000);
      return { node, state };
    } catch (error) {
      if (Date.now() > deadline) {
        await node.stop();
        throw new Error(`payment store did not become ready: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export async function startPayment(
  config: Config,
  logger: Logger,
  deps: { decisionSource?: DecisionSource } = {},
): Promise<RunningPayment> {
  const { node, state } = await openStore(config, logger);
  let server: RunningGrpcServer;
  try {
    server = await startGrpcServer({
      host: config.PAYMENT_HOST,
      port: config.PAYMENT_PORT,
      adminPort: config.PAYMENT_ADMIN_PORT,
      services: [
        paymentService({
          node,
          state,
          cipher: new CardCipher(config.PAYMENT_VAULT_KEY),
          seed: config.PAYMENT_SEED,
          adminToken: config.PAYMENT_ADMIN_TOKEN,
          logger,
        }),
      ],
      logger,
    });
  } catch (error) {
    await node.stop();
    throw error;
  }
  const stopResolver = startDecisionResolver({
    isOwner: () => node.status().role === "leader",
    open: () => state.openHolds(),
    apply: (tx, decision) => {
      const at = Date.now();
      const command: Command =
        decision === "COMMIT"
          ? { op: "commit", tx, at, confirmationCode: newConfirmationCode() }
          : { op: "abort", tx, at };
      return node.propose(encodeCommand(command));
    },
    source: deps.decisionSource ?? grpcDecisionSource(),
    timeoutMs: config.PAYMENT_DECISION_TIMEOUT_MS,
    onResolved: (txId, decision) => logger.info({ txId, decision }, "resolved a hold with the coordinator"),
    onError: (txId, error) =>
      logger.warn({ txId, err: error }, "could not apply the coordinator's decision; retrying"),
  });
  logger.info({ port: server.port, dataDir: config.PAYMENT_DATA_DIR }, "payment started");
  return {
    port: server.port,
    adminPort: server.adminPort,
    node,
    state,
    close: async () => {
      stopResolver();
      await server.close();
      await node.stop();
    },
  };
}
