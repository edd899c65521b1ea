// The DatabaseService of one db-node: one module per group of RPCs under rpc/, each validating,
// then proposing to Raft (writes) or waiting for a ReadIndex barrier (linearizable reads). Method
// and field names are the seed's.
import { implement, type ServiceRegistration, type UnaryHandlers } from "@bookstore/kit";
import { DatabaseServiceService } from "@bookstore/proto";
import { runBatch } from "./batch.js";
import { getStatus, readAll, setPartition } from "./rpc/admin.js";
import { type DbContext, readBarrier } from "./rpc/context.js";
import { read, write } from "./rpc/read-write.js";
import { stockChange } from "./rpc/stock-change.js";
import { decide, prepareStock } from "./rpc/two-phase-commit.js";

export { roleName } from "./rpc/context.js";

export const PROCESS = "db-node";

export type DbServiceOptions = Omit<DbContext, "now"> & { now?: () => number };

export type DbHandlers = UnaryHandlers<typeof DatabaseServiceService>;

export function dbHandlers(options: DbServiceOptions): DbHandlers {
  const ctx: DbContext = { ...options, now: options.now ?? Date.now };
  return {
    read: (req) => read(ctx, req),
    write: (req) => write(ctx, req),
    decrementStock: (req) => stockChange(ctx, req, -1),
    incrementStock: (req) => stockChange(ctx, req, 1),
    getStatus: () => getStatus(ctx),
    readAll: (req) => readAll(ctx, req),
    prepareStock: (req) => prepareStock(ctx, req),
    commitStock: (req) => decide(ctx, req.transactionId, "commit"),
    abortStock: (req) => decide(ctx, req.transactionId, "abort"),
    setPartition: (req) => setPartition(ctx, req),
    batch: async (req) => {
      // Every linearizable read of the batch waits for the same ReadIndex round.
      let shared: Promise<void> | undefined;
      const results = await runBatch(req.operations, {
        read: (r) => read(ctx, r, () => (shared ??= readBarrier(ctx))),
        write: (r) => write(ctx, r),
        decrementStock: (r) => stockChange(ctx, r, -1),
        incrementStock: (r) => stockChange(ctx, r, 1),
        prepareStock: (r) => prepareStock(ctx, r),
        commitStock: (r) => decide(ctx, r.transactionId, "commit"),
        abortStock: (r) => decide(ctx, r.transactionId, "abort"),
      });
      return { results };
    },
  };
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
