// Incoming side: the RaftService implementation for a node. A service can register it on its own
// gRPC server (with health and metrics), or use `startRaftServer` for a bare one.

import {
  type AddNodeRequest,
  type BackupChunk,
  type BackupRequest,
  type MembershipResponse,
  type RaftMessage,
  type RaftSendResponse,
  type RaftServiceServer,
  RaftServiceService,
  type RaftStatusResponse,
  type RemoveNodeRequest,
  type TransferLeadershipRequest,
  type TransferLeadershipResponse,
} from "@bookstore/proto";
import {
  Server,
  ServerCredentials,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import { streamBackup } from "../backup/backup-stream.js";
import { RaftError } from "../node/errors.js";
import type { RaftNode } from "../node/raft-node.js";
import { CLUSTER_TOKEN_METADATA_KEY, sameSecret } from "./credentials.js";
import { SnapshotAssembler } from "./snapshot-parts.js";
import { fromWire } from "./wire.js";

export interface RaftServiceHooks {
  /**
   * The cluster's shared secret: a peer's message stream must carry it (metadata x-raft-token),
   * and so must every membership or leadership change (admin_token).
   */
  adminToken: string;
  /** Called for every message received from a peer (e.g. to reset reconnect backoff). */
  onPeerMessage?(from: string): void;
  /**
   * When aborted, every open incoming message stream is answered and so ends: peers' streams never
   * end on their own, and a server shutting down would otherwise wait its whole drain time for them.
   */
  closing?: AbortSignal;
}

const denied = (what: string) => ({
  code: status.PERMISSION_DENIED,
  details: `${what} requires the cluster's admin token`,
});

export function raftServiceImplementation(
  node: RaftNode<unknown>,
  hooks: RaftServiceHooks,
): RaftServiceServer {
  const authorized = (token: string) => sameSecret(token, hooks.adminToken);
  const membership = async (
    op: () => Promise<void>,
    cb: sendUnaryData<MembershipResponse>,
  ): Promise<void> => {
    try {
      await op();
      cb(null, { success: true, message: "", leaderId: node.id, leaderAddress: "" });
    } catch (err) {
      const e = err instanceof RaftError ? err : undefined;
      cb(null, {
        success: false,
        message: String(err instanceof Error ? err.message : err),
        leaderId: e?.leaderId ?? node.leader(),
        leaderAddress: e?.leaderAddress ?? "",
      });
    }
  };
  return {
    send(call: ServerReadableStream<RaftMessage, RaftSendResponse>, cb: sendUnaryData<RaftSendResponse>) {
      const token = call.metadata.get(CLUSTER_TOKEN_METADATA_KEY)[0];
      if (!authorized(typeof token === "string" ? token : "")) {
        // Not a peer: nothing it sends reaches the node.
        call.on("data", () => {});
        call.on("error", () => {});
        return cb(denied("a Raft message stream"));
      }
      let answered = false;
      const finish = () => {
        if (answered) return;
        answered = true;
        hooks.closing?.removeEventListener("abort", finish);
        cb(null, {});
      };
      if (hooks.closing?.aborted) return finish();
      hooks.closing?.addEventListener("abort", finish);
      const parts = new SnapshotAssembler();
      call.on("data", (pb: RaftMessage) => {
        const whole = parts.accept(pb);
        const m = whole && fromWire(whole);
        if (!m || answered) return;
        hooks.onPeerMessage?.(m.from);
        node.receive(m);
      });
      call.on("end", finish);
      // A broken stream: the peer reconnects; nothing to answer.
      call.on("error", () => {
        answered = true;
        hooks.closing?.removeEventListener("abort", finish);
      });
    },
    status(_call: ServerUnaryCall<unknown, RaftStatusResponse>, cb: sendUnaryData<RaftStatusResponse>) {
      const s = node.status();
      cb(null, {
        id: s.id,
        role: s.role,
        term: s.term,
        leaderId: s.leaderId,
        leaderAddress: s.leaderAddress,
        commitIndex: s.commitIndex,
        appliedIndex: s.appliedIndex,
        peers: s.peers,
      });
    },
    addNode(
      call: ServerUnaryCall<AddNodeRequest, MembershipResponse>,
      cb: sendUnaryData<MembershipResponse>,
    ) {
      if (!authorized(call.request.adminToken)) return cb(denied("AddNode"));
      void membership(() => node.addNode(call.request.id, call.request.address, call.request.learner), cb);
    },
    removeNode(
      call: ServerUnaryCall<RemoveNodeRequest, MembershipResponse>,
      cb: sendUnaryData<MembershipResponse>,
    ) {
      if (!authorized(call.request.adminToken)) return cb(denied("RemoveNode"));
      void membership(() => node.removeNode(call.request.id), cb);
    },
    transferLeadership(
      call: ServerUnaryCall<TransferLeadershipRequest, TransferLeadershipResponse>,
      cb: sendUnaryData<TransferLeadershipResponse>,
    ) {
      if (!authorized(call.request.adminToken)) return cb(denied("TransferLeadership"));
      node.transferLeadership(call.request.to).then(
        (ok) => cb(null, { success: ok, message: ok ? "" : "transfer did not complete" }),
        (err: unknown) => cb(null, { success: false, message: String(err) }),
      );
    },
    backup(call: ServerWritableStream<BackupRequest, BackupChunk>) {
      if (!authorized(call.request.adminToken)) {
        call.emit("error", denied("Backup"));
        return;
      }
      void streamBackup(node, call);
    },
  };
}

export interface RunningRaftServer {
  port: number;
  close(): Promise<void>;
}

/** A bare gRPC server exposing RaftService (tests, benchmarks, services without their own server). */
export async function startRaftServer(
  node: RaftNode<unknown>,
  host: string,
  port: number,
  hooks: RaftServiceHooks,
  maxReceiveBytes = 64 << 20,
): Promise<RunningRaftServer> {
  const server = new Server({ "grpc.max_receive_message_length": maxReceiveBytes });
  server.addService(RaftServiceService, raftServiceImplementation(node, hooks));
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => server.forceShutdown(), 1000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      }),
  };
}
