// Raft nodes in this process, each with its own gRPC server on a free port and data directory under
// one temp directory (the node API tests).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ByteKv } from "../src/bench/byte-kv.js";
import { RaftNode, type RunningRaftServer, startRaftServer } from "../src/index.js";
import { GrpcTransport } from "../src/transport/grpc-transport.js";

export const TOKEN = "raft-node-test-token";

export interface Running {
  id: string;
  node: RaftNode<number>;
  server: RunningRaftServer;
  sm: ByteKv;
  dataDir: string;
}

export class GrpcNodes {
  readonly dir = mkdtempSync(join(tmpdir(), "raft-node-"));
  readonly running: Running[] = [];

  /** Starts node `id` on `port`; its data directory is <dir>/<id> unless `dataDir` says otherwise. */
  async launch(
    id: string,
    port: number,
    peers: { id: string; address: string }[],
    o: { join?: boolean; dataDir?: string; snapshotPartBytes?: number; maxReceiveBytes?: number } = {},
  ): Promise<Running> {
    const sm = new ByteKv();
    const transport = new GrpcTransport(id, { token: TOKEN, snapshotPartBytes: o.snapshotPartBytes });
    const dataDir = o.dataDir ?? join(this.dir, id);
    const node = await RaftNode.create({
      id,
      address: `127.0.0.1:${port}`,
      peers,
      join: o.join ?? false,
      dataDir,
      stateMachine: sm,
      transport,
      tickMs: 20,
      electionTick: 10,
      snapshotEntries: 50,
    });
    const server = await startRaftServer(
      node as RaftNode<unknown>,
      "127.0.0.1",
      port,
      { adminToken: TOKEN, onPeerMessage: (from) => transport.markAlive(from) },
      o.maxReceiveBytes,
    );
    node.start();
    const r = { id, node, server, sm, dataDir };
    this.running.push(r);
    return r;
  }

  async stop(r: Running): Promise<void> {
    await r.node.stop();
    await r.server.close();
    this.running.splice(this.running.indexOf(r), 1);
  }

  async stopAll(): Promise<void> {
    for (const r of [...this.running]) await this.stop(r);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function waitFor<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
