// Assembles one order-executor node: the order state machine on a Raft node, one gRPC server
// carrying both OrderExecutorService and the Raft transport, and the two-phase-commit coordinator
// that acts while this node leads.
import { join } from "node:path";
import { DatabaseClient } from "@bookstore/db-client";
import { type Logger, type RunningGrpcServer, startGrpcServer } from "@bookstore/kit";
import { RaftServiceService } from "@bookstore/proto";
import { GrpcTransport, handOffLeadership, PartitionControl, RaftNode } from "@bookstore/raft";
import type { Config } from "./config.js";
import { CoordinatorRunner } from "./coordinator-runner.js";
import { JobWatchers } from "./job-watchers.js";
import { type CommandResult, encodeCommand, OrderState } from "./order-state-machine.js";
import { participantClients } from "./participant-clients.js";
import { executorService } from "./service.js";

export interface RunningExecutor {
  port: number;
  adminPort: number | undefined;
  node: RaftNode<CommandResult | undefined>;
  state: OrderState;
  close(): Promise<void>;
}

export async function startExecutor(config: Config, logger: Logger): Promise<RunningExecutor> {
  const id = config.EXECUTOR_NODE_ID;
  const listed = config.EXECUTOR_PEERS.find((p) => p.id === id);
  const address =
    listed?.address ?? config.EXECUTOR_ADVERTISE_ADDR ?? `${config.EXECUTOR_HOST}:${config.EXECUTOR_PORT}`;
  let runner: CoordinatorRunner | undefined;
  const watchers = new JobWatchers(logger);
  const state = new OrderState({
    retainFinished: config.EXECUTOR_RETAIN_FINISHED,
    onChange: (job, tx) => {
      watchers.changed(job, tx);
      runner?.schedule();
    },
  });
  const partition = new PartitionControl();
  const transport = new GrpcTransport(id, { token: config.EXECUTOR_ADMIN_TOKEN });
  const node = await RaftNode.create<CommandResult | undefined>({
    id,
    address,
    peers: config.EXECUTOR_PEERS,
    // Not one of the first members: wait to be added (as a learner) by the running cluster.
    join: listed === undefined,
    dataDir: config.EXECUTOR_DATA_DIR ?? join("var", "order-executor", id),
    stateMachine: state,
    transport: partition.wrap(transport),
    tickMs: config.EXECUTOR_TICK_MS,
    electionTick: config.EXECUTOR_ELECTION_TICK,
    leaseReads: config.EXECUTOR_LEASE_READS,
    walPreallocateBytes: config.EXECUTOR_WAL_PREALLOCATE_BYTES,
    logger,
  });
  const closing = new AbortController();
  let server: RunningGrpcServer;
  try {
    server = await startGrpcServer({
      host: config.EXECUTOR_HOST,
      port: config.EXECUTOR_PORT,
      adminPort: config.EXECUTOR_ADMIN_PORT,
      services: [
        executorService({
          node,
          state,
          watchers,
          adminToken: config.EXECUTOR_ADMIN_TOKEN,
          partition,
          // Before the runner exists (requests arriving during start-up), a plain submit entry.
          submit: (command) => (runner ? runner.submit(command) : node.propose(encodeCommand(command))),
        }),
        {
          name: "bookstore.v1.RaftService",
          definition: RaftServiceService,
          implementation: partition.raftService(node as RaftNode<unknown>, {
            adminToken: config.EXECUTOR_ADMIN_TOKEN,
            onPeerMessage: (from) => transport.markAlive(from),
            closing: closing.signal,
          }),
        },
      ],
      logger,
      drainTimeoutMs: 1000,
    });
  } catch (error) {
    await node.stop();
    throw error;
  }
  const db = new DatabaseClient({
    addresses: config.DB_NODES,
    deadlineMs: config.PARTICIPANT_CALL_TIMEOUT_MS,
  });
  runner = new CoordinatorRunner({
    node,
    state,
    logger,
    config: {
      concurrency: config.EXECUTOR_CONCURRENCY,
      prepareTimeoutMs: config.PREPARE_TIMEOUT_MS,
      prepareAttempts: config.PREPARE_ATTEMPTS,
      retryBaseMs: config.RETRY_BASE_MS,
      retryMaxMs: config.RETRY_MAX_MS,
    },
    call: participantClients({
      db,
      paymentAddress: config.PAYMENT_ADDR,
      // The members as of each Prepare (the cluster may have grown or shrunk since start-up).
      coordinator: () =>
        node
          .status()
          .peers.map((p) => p.address)
          .filter((a) => a !== "")
          .join(","),
      deadlineMs: config.PARTICIPANT_CALL_TIMEOUT_MS,
    }),
  });
  node.start();
  runner.start();
  logger.info({ id, address, peers: config.EXECUTOR_PEERS.map((p) => p.id) }, "order executor started");
  return {
    port: server.port,
    adminPort: server.adminPort,
    node,
    state,
    close: async () => {
      // A stop on purpose: the orders in flight are decided here first, so the next leader
      // finishes them instead of presuming abort; then it takes over at once.
      const undecided = await runner?.drain(config.PREPARE_TIMEOUT_MS);
      if (undecided) logger.warn({ undecided }, "stopping with orders still undecided");
      const successor = await handOffLeadership(node);
      if (successor) logger.info({ successor }, "handed leadership over before stopping");
      runner?.stop();
      watchers.closeAll();
      closing.abort();
      await server.close();
      await node.stop();
    },
  };
}
