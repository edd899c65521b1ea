// A lease read answers at once when the entries it must see are applied. The node counts an entry
// as applied when its apply starts, so while an asynchronous apply is still running the lease's
// fast path must not answer: the read waits until that apply has finished and then sees it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type AppliedEntry, RaftNode, type StateMachine } from "../src/index.js";
import type { Transport } from "../src/transport/grpc-transport.js";
import { waitFor } from "./grpc-nodes.js";

/** A counter whose applies finish only when the test opens the gate. */
class GatedCounter implements StateMachine<number> {
  value = 0;
  private open: (() => void) | undefined;
  gated = false;

  apply(_entry: AppliedEntry): number | Promise<number> {
    if (!this.gated) return ++this.value;
    return new Promise((resolve) => {
      this.open = () => resolve(++this.value);
    });
  }

  release(): void {
    this.gated = false;
    this.open?.();
  }

  get waiting(): boolean {
    return this.open !== undefined && this.gated;
  }

  snapshot(): Uint8Array {
    return new TextEncoder().encode(String(this.value));
  }

  restore(data: Uint8Array): void {
    this.value = Number(new TextDecoder().decode(data));
  }
}

/** Three nodes in this process, their messages delivered on the next turn of the event loop. */
function inProcessNetwork(): { transport: Transport; nodes: Map<string, RaftNode<number>> } {
  const nodes = new Map<string, RaftNode<number>>();
  const transport: Transport = {
    send(messages) {
      for (const m of messages) setImmediate(() => nodes.get(m.to)?.receive(m));
    },
    setPeers() {},
    close: async () => {},
  };
  return { transport, nodes };
}

/** Whether a read barrier resolves within a few microtasks (the lease's path), then waits it out. */
async function answeredAtOnce(node: RaftNode<number>): Promise<boolean> {
  let done = false;
  const barrier = node.readBarrier().then(() => {
    done = true;
  });
  for (let i = 0; i < 3; i++) await Promise.resolve();
  const atOnce = done;
  await barrier;
  return atOnce;
}

async function untilLeased(node: RaftNode<number>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await answeredAtOnce(node)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the leader never read from its lease");
}

describe("lease reads and asynchronous applies", () => {
  const dir = mkdtempSync(join(tmpdir(), "lease-apply-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a lease read waits for an apply still running, then sees its write", { timeout: 30_000 }, async () => {
    const { transport, nodes } = inProcessNetwork();
    const peers = ["n1", "n2", "n3"].map((id) => ({ id, address: id }));
    const machines = new Map<string, GatedCounter>();
    for (const { id } of peers) {
      const sm = new GatedCounter();
      machines.set(id, sm);
      const node = await RaftNode.create<number>({
        id,
        address: id,
        peers,
        dataDir: join(dir, id),
        stateMachine: sm,
        transport,
        tickMs: 50, // election timeout 500-1,000 ms: a loaded machine seldom holds an election mid-test
        electionTick: 10,
        leaseReads: true,
      });
      nodes.set(id, node);
      node.start();
    }
    try {
      const node = await waitFor(() => [...nodes.values()].find((n) => n.leader() === n.id));
      const sm = machines.get(node.id) as GatedCounter;
      await node.propose(new Uint8Array([1]));
      // In a lease, with nothing pending, a read is answered at once: no message, no turn of the loop.
      await untilLeased(node);
      assert.equal(await node.read(() => sm.value), 1);

      sm.gated = true;
      const write = node.propose(new Uint8Array([2]));
      await waitFor(() => sm.waiting);
      let answered: number | undefined;
      const read = node
        .read(() => sm.value)
        .then((v) => {
          answered = v;
          return v;
        });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(answered, undefined, "no answer while the write's apply is still running");
      sm.release();
      assert.equal(await write, 2);
      assert.equal(await read, 2, "the read sees the write it waited for");
    } finally {
      // A stop waits for the apply in progress: never leave one gated.
      for (const m of machines.values()) m.release();
      for (const n of nodes.values()) await n.stop();
    }
  });
});
