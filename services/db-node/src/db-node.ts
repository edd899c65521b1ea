// Assembles one db-node: state machine + Raft node + one gRPC server carrying both the
// DatabaseService and the Raft transport, the catalog seeder and the 2PC decision resolver.
import { join } from "node:path";
import { loadCatalog } from "@bookstore/catalog";
import { type Logger, type RunningGrpcServer, startGrpcServer } from "@bookstore/kit";
import { RaftServiceService } from "@bookstore/proto";
import { GrpcTransport, handOffLeadership, PartitionControl, RaftNode } from "@bookstore/raft";
import { type DecisionSource, grpcDecisionSource, startDecisionResolver } from "@bookstore/two-phase-commit";
import type { Config } from "./config.js";
import { databaseService } from "./service.js";
import { type CommandResult, DbState, encodeCommand } from "./state-machine.js";

export interface RunningDbNode {
  port: number;
  adminPort: number | undefined;
  node: RaftNode<CommandResult | undefined>;
  state: DbState;
  close(): Promise<void>;
}

export function stockKey(bookId: string): string {
  return `stock:${bookId}`;
}

export async function startDbNode(
  config: Config,
  logger: Logger,
  deps: { decisionSource?: DecisionSource } = {},
): Promise<RunningDbNode> {
  const id = config.DB_NODE_ID;
  const listed = config.DB_PEERS.find((p) => p.id === id);
  const address = listed?.address ?? config.DB_ADVERTISE_ADDR ?? `${config.DB_HOST}:${config.DB_PORT}`;
  const state = new DbState();
  const partition = new PartitionControl();
  const transport = new GrpcTransport(id, { token: config.DB_ADMIN_TOKEN });
  const node = await RaftNode.create<CommandResult | undefined>({
    id,
    address,
    peers: config.DB_PEERS,
    // Not one of the first members: wait to be added (as a learner) by the running cluster.
    join: listed === undefined,
    dataDir: config.DB_DATA_DIR ?? join("var", "db-node", id),
    stateMachine: state,
    transport: partition.wrap(transport),
    tickMs: config.DB_TICK_MS,
    electionTick: config.DB_ELECTION_TICK,
    leaseReads: config.DB_LEASE_READS,
    walPreallocateBytes: config.DB_WAL_PREALLOCATE_BYTES,
    logger,
  });
  // Ends the peers' incoming Raft streams at shutdown, so the server's drain does not wait on them.
  const closing = new AbortController();
  let server: RunningGrpcServer;
  try {
    server = await startGrpcServer({
      host: config.DB_HOST,
      port: config.DB_PORT,
      adminPort: config.DB_ADMIN_PORT,
      services: [
        databaseService({ node, state, adminToken: config.DB_ADMIN_TOKEN, partition }),
        {
          name: "bookstore.v1.RaftService",
          definition: RaftServiceService,
          implementation: partition.raftService(node as RaftNode<unknown>, {
            adminToken: config.DB_ADMIN_TOKEN,
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
  node.start();

  // Seed once: the seed command is replicated, and applied only if the cluster was never seeded.
  const items: [string, number][] = config.DB_SEED_CATALOG
    ? loadCatalog(config.CATALOG_PATH).books.map((b) => [stockKey(b.id), b.stock])
    : [];
  let seeding = false;
  const seeder = setInterval(() => {
    if (state.seeded || items.length === 0) {
      clearInterval(seeder);
      return;
    }
    if (seeding || node.status().role !== "leader") return;
    seeding = true;
    node.propose(encodeCommand({ op: "seed", items })).then(
      () => {
        seeding = false;
        logger.info({ books: items.length }, "stock seeded from the catalog");
      },
      () => {
        seeding = false;
      },
    );
  }, 100);
  seeder.unref();

  const stopResolver = startDecisionResolver({
    isOwner: () => node.status().role === "leader",
    open: () => state.participant.openTransactions(),
    apply: (tx, decision) =>
      node.propose(encodeCommand({ op: decision === "COMMIT" ? "commit" : "abort", tx })),
    source: deps.decisionSource ?? grpcDecisionSource(),
    timeoutMs: config.DB_DECISION_TIMEOUT_MS,
    onResolved: (txId, decision) =>
      logger.info({ txId, decision }, "resolved a reservation with the coordinator"),
    onError: (txId, error) =>
      logger.warn({ txId, err: error }, "could not apply the coordinator's decision; retrying next pass"),
  });
  logger.info({ id, address, peers: config.DB_PEERS.map((p) => p.id) }, "db-node started");

  return {
    port: server.port,
    adminPort: server.adminPort,
    node,
    state,
    close: async () => {
      clearInterval(seeder);
      stopResolver();
      const successor = await handOffLeadership(node);
      if (successor) logger.info({ successor }, "handed leadership over before stopping");
      closing.abort();
      await server.close();
      await node.stop();
    },
  };
}
