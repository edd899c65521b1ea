// GetStatus (anyone), and what needs the admin token: ReadAll (local state, paged) and the
// fault injection SetPartition.
import { AppError } from "@bookstore/kit";
import type {
  DatabaseStatusResponse,
  ReadAllRequest,
  ReadAllResponse,
  SetPartitionRequest,
  SetPartitionResponse,
  ValueType,
} from "@bookstore/proto";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { type DbContext, requireAdmin, roleName } from "./context.js";

export function getStatus(ctx: DbContext): DatabaseStatusResponse {
  const s = ctx.node.status();
  return {
    nodeId: ctx.node.id,
    role: roleName(s),
    primaryId: s.leaderId,
    recordCount: ctx.state.records.size,
    term: s.term,
    commitIndex: s.commitIndex,
    appliedIndex: s.appliedIndex,
    peers: s.peers.map((p) => ({ nodeId: p.id, address: p.address, matchIndex: p.matchIndex })),
    address: s.peers.find((p) => p.id === ctx.node.id)?.address ?? "",
  };
}

export function readAll(ctx: DbContext, req: ReadAllRequest): ReadAllResponse {
  requireAdmin(ctx, req.adminToken);
  const size = req.pageSize > 0 ? Math.min(req.pageSize, 1000) : 100;
  const after = req.pageToken ? Buffer.from(req.pageToken, "base64url").toString() : "";
  const page = ctx.state.scan(req.prefix, after, size + 1);
  const items = page
    .slice(0, size)
    .map(([key, r]) => ({ key, value: r.value, version: r.version, type: r.type as number as ValueType }));
  const last = items.at(-1);
  return {
    items,
    totalReturned: items.length,
    nextPageToken: page.length > size && last ? Buffer.from(last.key).toString("base64url") : "",
  };
}

export function setPartition(ctx: DbContext, req: SetPartitionRequest): SetPartitionResponse {
  requireAdmin(ctx, req.adminToken);
  if (!ctx.partition) throw new AppError(GrpcStatus.UNIMPLEMENTED, "fault injection is not enabled");
  ctx.partition.block(req.blockedPeers);
  return { blockedPeers: [...ctx.partition.blocked] };
}
