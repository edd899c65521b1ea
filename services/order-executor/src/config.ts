import { env, refineRaftMember } from "@bookstore/kit";
import { z } from "zod";

const count = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

export const configSchema = z
  .object({
    EXECUTOR_NODE_ID: env.nodeId("ex1"),
    EXECUTOR_HOST: env.host(),
    /** OrderExecutorService and the Raft transport share this gRPC port. */
    EXECUTOR_PORT: env.port(50061),
    EXECUTOR_ADMIN_PORT: env.port(51061),
    /**
     * The members, "id=host:port,...". A node listed here is one of the cluster's first members and
     * bootstraps with the others on an empty data directory; a node not listed joins a running
     * cluster (an operator adds it: `npm run cluster -- add`) and needs EXECUTOR_ADVERTISE_ADDR.
     */
    EXECUTOR_PEERS: env.peerList("ex1=127.0.0.1:50061,ex2=127.0.0.1:50062,ex3=127.0.0.1:50063"),
    /** The address the other nodes and clients reach this node at (default: its EXECUTOR_PEERS entry). */
    EXECUTOR_ADVERTISE_ADDR: env.optionalAddress(),
    /** Default ./var/order-executor/<EXECUTOR_NODE_ID>. */
    EXECUTOR_DATA_DIR: z.string().min(1).optional(),
    /** The cluster's shared secret: peers' Raft streams, membership, SetPaused, SetPartition. */
    EXECUTOR_ADMIN_TOKEN: env.secret("dev-only-executor-admin-token"),
    EXECUTOR_TICK_MS: env.millis(40),
    /** Election timeout = EXECUTOR_TICK_MS × EXECUTOR_ELECTION_TICK, randomised up to twice that. */
    EXECUTOR_ELECTION_TICK: z.coerce.number().int().min(3).max(100).default(10),
    /**
     * GetJob, ListJobs, WatchJob and GetDecision answered from the leader's lease, without a
     * heartbeat round each (as DB_LEASE_READS: assumes clocks drift by less than 10%). The same on
     * every node.
     */
    EXECUTOR_LEASE_READS: z.stringbool().default(true),
    EXECUTOR_WAL_PREALLOCATE_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .max(256 << 20)
      .default(8 << 20),
    /** Orders the leader executes at once (orders for the same book never oversell: stock is reserved). */
    EXECUTOR_CONCURRENCY: count(64, 1000),
    /** A participant that has not voted this long after an order started votes no. */
    PREPARE_TIMEOUT_MS: env.millis(5000),
    /** Prepare attempts per participant within that time. */
    PREPARE_ATTEMPTS: count(5, 100),
    /** Deadline of one participant call. */
    PARTICIPANT_CALL_TIMEOUT_MS: env.millis(2000),
    /** Retry backoff for participant calls: base × 2^(attempt−1), at most max (phase two retries forever). */
    RETRY_BASE_MS: env.millis(50),
    RETRY_MAX_MS: env.millis(2000),
    /** Finished orders kept for GetJob (older ones are forgotten first). */
    EXECUTOR_RETAIN_FINISHED: count(100_000, 10_000_000),
    DB_NODES: env.addressList("127.0.0.1:50066,127.0.0.1:50067,127.0.0.1:50068"),
    PAYMENT_ADDR: env.address("127.0.0.1:50054"),
    LOG_LEVEL: env.logLevel(),
  })
  .superRefine(refineRaftMember("EXECUTOR"));

export type Config = z.infer<typeof configSchema>;
