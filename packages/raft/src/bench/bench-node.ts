// One Raft node as a child process (benchmark and multi-process tests). Started with
// `node --import tsx bench-node.ts '<json options>'` through child_process.fork; driven over IPC.
import { randomBytes } from "node:crypto";
import { RaftNode } from "../node/raft-node.js";
import { startRaftServer } from "../transport/grpc-server.js";
import { GrpcTransport } from "../transport/grpc-transport.js";
import { ByteKv, command } from "./byte-kv.js";

export interface BenchNodeOptions {
  id: string;
  port: number;
  peers: { id: string; address: string }[];
  dataDir: string;
  tickMs: number;
  electionTick: number;
  /** The cluster's shared secret. */
  token: string;
}

export type Request =
  | { rid: number; type: "status" }
  | {
      rid: number;
      type: "load";
      concurrency: number;
      durationMs: number;
      size: number;
      /** Report acknowledged keys back (process tests); keys are then unique. */
      report?: boolean;
      /** Cycle over this many keys so the state (and its snapshots) stays bounded. */
      keys?: number;
    }
  | { rid: number; type: "dump" }
  | { rid: number; type: "stop" };

const opts = JSON.parse(process.argv[2] ?? "{}") as BenchNodeOptions;
const sm = new ByteKv();
const transport = new GrpcTransport(opts.id, { token: opts.token });
const node = await RaftNode.create({
  id: opts.id,
  address: `127.0.0.1:${opts.port}`,
  peers: opts.peers,
  dataDir: opts.dataDir,
  stateMachine: sm,
  transport,
  tickMs: opts.tickMs,
  electionTick: opts.electionTick,
});
const server = await startRaftServer(node as RaftNode<unknown>, "127.0.0.1", opts.port, {
  adminToken: opts.token,
  onPeerMessage: (from) => transport.markAlive(from),
});
node.start();

const reply = (msg: object) => process.send?.(msg);

async function load(
  rid: number,
  concurrency: number,
  durationMs: number,
  size: number,
  report: boolean,
  keys: number,
) {
  const latencies: number[] = [];
  let errors = 0;
  let seq = 0;
  const end = performance.now() + durationMs;
  let acked: string[] = [];
  const flusher = report
    ? setInterval(() => {
        if (acked.length === 0) return;
        reply({ rid, type: "acked", keys: acked });
        acked = [];
      }, 20)
    : undefined;
  const worker = async (w: number) => {
    const value = randomBytes(Math.max(0, size - 12));
    while (performance.now() < end) {
      const key = keys > 0 ? `k${seq++ % keys}` : `w${w}-${seq++}`;
      const t0 = performance.now();
      try {
        await node.propose(command(key, value));
        latencies.push(performance.now() - t0);
        if (report) acked.push(key);
      } catch {
        errors++;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsed = performance.now() - t0;
  if (flusher) clearInterval(flusher);
  if (acked.length > 0) reply({ rid, type: "acked", keys: acked });
  reply({ rid, type: "loadResult", count: latencies.length, elapsedMs: elapsed, latencies, errors });
}

process.on("message", (req: Request) => {
  switch (req.type) {
    case "status":
      reply({ rid: req.rid, type: "status", status: node.status() });
      break;
    case "load":
      void load(req.rid, req.concurrency, req.durationMs, req.size, req.report ?? false, req.keys ?? 0);
      break;
    case "dump":
      node.readBarrier().then(
        () => reply({ rid: req.rid, type: "dump", keys: [...sm.data.keys()] }),
        (err: unknown) => reply({ rid: req.rid, type: "dump", error: String(err) }),
      );
      break;
    case "stop":
      void (async () => {
        await node.stop();
        await server.close();
        reply({ rid: req.rid, type: "stopped" });
        process.exit(0);
      })();
      break;
  }
});
process.on("disconnect", () => process.exit(0));
reply({ type: "ready", id: opts.id });
