// A simulated network: per-message loss, duplication and random delay (hence reordering), and
// partitions expressed as a set of blocked directed links (so asymmetric cuts are possible).
import type { Message, NodeId } from "../core/types.js";
import type { Rng } from "./random.js";

export interface NetworkFaults {
  loss: number;
  duplicate: number;
  minDelay: number;
  maxDelay: number;
}

interface InFlight {
  at: number;
  seq: number;
  msg: Message;
}

export class FakeNetwork {
  private queue: InFlight[] = [];
  private seq = 0;
  private readonly blocked = new Set<string>();

  constructor(
    private readonly rng: Rng,
    public faults: NetworkFaults,
  ) {}

  send(now: number, msg: Message): void {
    if (this.rng.chance(this.faults.loss)) return;
    const copies = this.rng.chance(this.faults.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const at = now + this.rng.int(this.faults.minDelay, this.faults.maxDelay);
      this.queue.push({ at, seq: this.seq++, msg });
    }
  }

  /** Messages due by `now`, in delivery order; links cut at delivery time drop them. */
  due(now: number): Message[] {
    if (this.queue.length === 0) return [];
    const ready: InFlight[] = [];
    const rest: InFlight[] = [];
    for (const f of this.queue) (f.at <= now ? ready : rest).push(f);
    if (ready.length === 0) return [];
    this.queue = rest;
    ready.sort((a, b) => a.at - b.at || a.seq - b.seq);
    return ready.map((f) => f.msg).filter((m) => !this.blocked.has(`${m.from}>${m.to}`));
  }

  cut(from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}>${to}`);
  }

  isolate(id: NodeId, all: readonly NodeId[]): void {
    for (const o of all) {
      if (o === id) continue;
      this.cut(id, o);
      this.cut(o, id);
    }
  }

  /** Splits nodes into two sides that cannot talk to each other. */
  partition(side: readonly NodeId[], all: readonly NodeId[]): void {
    for (const a of side) for (const b of all) if (!side.includes(b)) this.isolate2(a, b);
  }

  private isolate2(a: NodeId, b: NodeId): void {
    this.cut(a, b);
    this.cut(b, a);
  }

  heal(): void {
    this.blocked.clear();
  }

  pending(): number {
    return this.queue.length;
  }
}
