// ReadIndex (§8 / dissertation §6.4): remember the commit index when a read arrives, confirm
// leadership with a heartbeat round, then release the read once a majority answered. The round's
// send time is kept: a confirmed round also extends the leader's lease (RaftConfig.leaseMs).
import type { NodeId } from "./types.js";

interface PendingRead {
  index: number;
  /** Who asked (NONE for a lease round: nobody waits for it). */
  from: NodeId;
  acks: Set<NodeId>;
  sentAt: number;
}

export class ReadOnly {
  private readonly pending = new Map<string, PendingRead>();
  private queue: string[] = [];

  add(index: number, context: string, from: NodeId, self: NodeId, sentAt: number): void {
    if (this.pending.has(context)) return;
    this.pending.set(context, { index, from, acks: new Set([self]), sentAt });
    this.queue.push(context);
  }

  recvAck(from: NodeId, context: string): Set<NodeId> | undefined {
    const p = this.pending.get(context);
    if (!p) return undefined;
    p.acks.add(from);
    return p.acks;
  }

  /** Releases every read queued up to and including `context` (later heartbeats confirm earlier reads). */
  advance(context: string): { index: number; from: NodeId; context: string; sentAt: number }[] {
    const at = this.queue.indexOf(context);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    return done.map((ctx) => {
      const p = this.pending.get(ctx) as PendingRead;
      this.pending.delete(ctx);
      return { index: p.index, from: p.from, context: ctx, sentAt: p.sentAt };
    });
  }

  lastContext(): string | undefined {
    return this.queue[this.queue.length - 1];
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
