// Public API of @bookstore/raft.
export { type Backup, BackupFormatError, decodeBackup, encodeBackup } from "./backup/backup-file.js";
export { fetchBackup } from "./backup/backup-stream.js";
export { RestoreError, restoreDataDir } from "./backup/restore.js";
export { type InitialState, ProposalError, type RaftConfig, RaftCore } from "./core/raft.js";
export type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  Ready,
  Role,
  Snapshot,
} from "./core/types.js";
export { InvariantError } from "./core/types.js";
export { RaftError, type RaftErrorCode } from "./node/errors.js";
export { handOffLeadership, successorOf } from "./node/hand-off.js";
export { type CommandCodec, jsonCodec } from "./node/json-codec.js";
export { leaseMs, MAX_CLOCK_DRIFT } from "./node/lease.js";
export {
  type Logger,
  type Member,
  type PeerStatus,
  RaftNode,
  type RaftNodeOptions,
  type RaftStatus,
} from "./node/raft-node.js";
export type { AppliedEntry, StateMachine } from "./node/state-machine.js";
export {
  byKey,
  checkOperations,
  type HistoryOp,
  type Model,
  type Verdict,
} from "./sim/linearizability.js";
export { Rng } from "./sim/random.js";
export { DiskStorage } from "./storage/disk-storage.js";
export { CorruptLogError } from "./storage/record-codec.js";
export { CLUSTER_TOKEN_METADATA_KEY, sameSecret } from "./transport/credentials.js";
export {
  type RaftServiceHooks,
  type RunningRaftServer,
  raftServiceImplementation,
  startRaftServer,
} from "./transport/grpc-server.js";
export { GrpcTransport, type Transport } from "./transport/grpc-transport.js";
export { PartitionControl } from "./transport/partition-control.js";
