// Outgoing side: one long-lived client-streaming `Send` call per peer. Messages are written in order;
// when the stream breaks it is reopened with backoff. The queue is bounded: Raft tolerates loss, so
// under back-pressure messages are dropped rather than buffered without limit.
//
// A link that fails silently (no RST: a cable, a switch, a partition) must not stall a peer after it
// heals. Found by the nemesis runs: a stream over such a link just hangs, and TCP's retransmission
// backoff then held a follower seconds behind after the link came back (3 s after a 3 s cut, 7 s
// after 20 s). So keepalive pings declare a connection dead within two seconds, and a connection
// attempt that has not completed within CONNECT_TIMEOUT_MS is abandoned for a fresh one (grpc-js has
// no connect timeout; a SYN lost in a partition is otherwise retried by the kernel after 1, 3, 7,
// 15... s).

import { type RaftMessage, RaftServiceClient } from "@bookstore/proto";
import {
  type ChannelOptions,
  type ClientWritableStream,
  connectivityState,
  credentials,
  type Metadata,
} from "@grpc/grpc-js";
import type { Message, NodeId } from "../core/types.js";
import { tokenMetadata } from "./credentials.js";
import { SNAPSHOT_PART_BYTES, splitSnapshot } from "./snapshot-parts.js";
import { toWire } from "./wire.js";

export interface Transport {
  send(messages: Message[]): void;
  setPeers(addresses: Record<NodeId, string>): void;
  close(): Promise<void>;
}

export interface GrpcTransportOptions {
  /** The cluster's shared secret, presented on every stream (peers refuse streams without it). */
  token: string;
  /** Messages held per peer while its stream is congested or reconnecting. */
  queueLimit?: number;
  maxMessageBytes?: number;
  /** A snapshot's data travels in parts of this size (snapshot-parts.ts); default 1 MiB. */
  snapshotPartBytes?: number;
}

/** Longest a connection attempt to a peer may take before it is replaced by a fresh one. */
export const CONNECT_TIMEOUT_MS = 1000;

function channelOptions(maxBytes: number): ChannelOptions {
  return {
    "grpc.max_send_message_length": maxBytes,
    "grpc.max_receive_message_length": maxBytes,
    "grpc.initial_reconnect_backoff_ms": 50,
    "grpc.max_reconnect_backoff_ms": 500,
    // Both ends are our own nodes (grpc-js servers accept frequent pings).
    "grpc.keepalive_time_ms": 1000,
    "grpc.keepalive_timeout_ms": 1000,
    "grpc.keepalive_permit_without_calls": 1,
  };
}

class PeerLink {
  private client: RaftServiceClient;
  private stream: ClientWritableStream<RaftMessage> | undefined;
  private queue: RaftMessage[] = [];
  private congested = false;
  private backoffMs = 20;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  dropped = 0;

  constructor(
    readonly address: string,
    private readonly queueLimit: number,
    private readonly maxBytes: number,
    private readonly metadata: Metadata,
  ) {
    this.client = this.newClient();
  }

  private newClient(): RaftServiceClient {
    return new RaftServiceClient(this.address, credentials.createInsecure(), channelOptions(this.maxBytes));
  }

  send(m: RaftMessage): void {
    if (this.closed) return;
    if (!this.stream) this.open();
    if (this.congested || !this.stream) {
      if (this.queue.length < this.queueLimit) this.queue.push(m);
      else this.dropped++;
      return;
    }
    if (!this.stream.write(m)) this.congested = true;
  }

  private open(): void {
    if (this.closed || this.stream || this.reconnectTimer) return;
    const stream = this.client.send(this.metadata, (err) => {
      if (this.stream === stream) this.stream = undefined;
      if (err && !this.closed) this.scheduleReconnect();
    });
    stream.on("drain", () => {
      if (this.stream !== stream) return;
      this.congested = false;
      this.flush();
    });
    stream.on("error", () => {}); // surfaced through the callback
    this.stream = stream;
    this.congested = false;
    this.flush();
    this.watchConnect(this.client);
  }

  /** Replaces the client (and its connection attempt) if it is still connecting after the timeout. */
  private watchConnect(client: RaftServiceClient): void {
    const channel = client.getChannel();
    const state = channel.getConnectivityState(false);
    if (this.closed || client !== this.client || state !== connectivityState.CONNECTING) return;
    channel.watchConnectivityState(state, Date.now() + CONNECT_TIMEOUT_MS, (timedOut) => {
      if (!timedOut) return this.watchConnect(client);
      if (this.closed || client !== this.client) return;
      // The stream waiting on the old channel fails, and reopens on the new one.
      this.client = this.newClient();
      client.close();
    });
  }

  private flush(): void {
    while (this.stream && !this.congested && this.queue.length > 0) {
      if (!this.stream.write(this.queue.shift() as RaftMessage)) this.congested = true;
    }
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.closed) return;
    // Messages queued for a dead stream are stale by the time it returns; Raft will resend.
    this.queue = [];
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.open();
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 500);
  }

  /** The peer talked to us, so it is up: the next reconnect should be quick. */
  resetBackoff(): void {
    this.backoffMs = 20;
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.stream?.end();
    this.stream = undefined;
    this.client.close();
  }
}

export class GrpcTransport implements Transport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly queueLimit: number;
  private readonly maxBytes: number;
  private readonly partBytes: number;
  private readonly metadata: Metadata;

  constructor(
    private readonly selfId: NodeId,
    opts: GrpcTransportOptions,
  ) {
    this.queueLimit = opts.queueLimit ?? 4096;
    this.maxBytes = opts.maxMessageBytes ?? 64 << 20;
    this.partBytes = opts.snapshotPartBytes ?? SNAPSHOT_PART_BYTES;
    this.metadata = tokenMetadata(opts.token);
  }

  setPeers(addresses: Record<NodeId, string>): void {
    for (const [id, link] of this.links) {
      if (addresses[id] !== link.address) {
        link.close();
        this.links.delete(id);
      }
    }
    for (const [id, addr] of Object.entries(addresses)) {
      if (id === this.selfId || !addr || this.links.has(id)) continue;
      this.links.set(id, new PeerLink(addr, this.queueLimit, this.maxBytes, this.metadata));
    }
  }

  send(messages: Message[]): void {
    for (const m of messages) {
      const link = this.links.get(m.to);
      if (link) for (const part of splitSnapshot(toWire(m), this.partBytes)) link.send(part);
    }
  }

  markAlive(id: NodeId): void {
    this.links.get(id)?.resetBackoff();
  }

  droppedCount(): number {
    let n = 0;
    for (const l of this.links.values()) n += l.dropped;
    return n;
  }

  async close(): Promise<void> {
    for (const l of this.links.values()) l.close();
    this.links.clear();
  }
}
