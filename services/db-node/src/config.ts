import { env, refineRaftMember } from "@bookstore/kit";
import { z } from "zod";

export const configSchema = z
  .object({
    DB_NODE_ID: env.nodeId("db1"),
    DB_HOST: env.host(),
    /** Client API and Raft transport share this gRPC port. */
    DB_PORT: env.port(50066),
    DB_ADMIN_PORT: env.port(51066),
    /**
     * The members, "id=host:port,...". A node listed here is one of the cluster's first members and
     * bootstraps with the others on an empty data directory; a node not listed joins a running
     * cluster (an operator adds it: `npm run cluster -- add`) and needs DB_ADVERTISE_ADDR.
     */
    DB_PEERS: env.peerList("db1=127.0.0.1:50066,db2=127.0.0.1:50067,db3=127.0.0.1:50068"),
    /** The address the other nodes and clients reach this node at (default: its DB_PEERS entry). */
    DB_ADVERTISE_ADDR: env.optionalAddress(),
    /** Default ./var/db-node/<DB_NODE_ID>. */
    DB_DATA_DIR: z.string().min(1).optional(),
    /** Token for ReadAll and fault injection. */
    DB_ADMIN_TOKEN: env.secret("dev-only-db-admin-token"),
    DB_TICK_MS: env.millis(40),
    /** Election timeout = DB_TICK_MS × DB_ELECTION_TICK, randomised up to twice that. */
    DB_ELECTION_TICK: z.coerce.number().int().min(3).max(100).default(10),
    /**
     * Linearizable reads answered from the primary's lease, without a heartbeat round each (Raft
     * leader leases: assumes clocks drift by less than 10%, docs/database.md). The same on every node.
     */
    DB_LEASE_READS: z.stringbool().default(true),
    /**
     * Write-ahead log preallocation step in bytes (0 = off). With the log's file size fixed, the
     * fdatasync before every acknowledgement flushes only data, not a filesystem journal commit.
     */
    DB_WAL_PREALLOCATE_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .max(256 << 20)
      .default(8 << 20),
    /** Seed stock from the catalog once, on the first start of an empty cluster. */
    DB_SEED_CATALOG: z.stringbool().default(true),
    CATALOG_PATH: z.string().optional(),
    /** A reservation without a decision after this long is resolved by asking the coordinator. */
    DB_DECISION_TIMEOUT_MS: env.millis(30_000),
    LOG_LEVEL: env.logLevel(),
  })
  .superRefine(refineRaftMember("DB"));

export type Config = z.infer<typeof configSchema>;
