// FAULT INJECTION, for tests only (a service exposes it as SetPartition, behind the admin token):
// Raft messages to and from the blocked peers are dropped on this node (outgoing in the transport,
// incoming before the node sees them), which cuts the links both ways without touching the other
// processes. Both Raft clusters (db-node, order-executor) use it.
import type { Message, NodeId } from "../core/types.js";
import type { RaftNode } from "../node/raft-node.js";
import { type RaftServiceHooks, raftServiceImplementation } from "./grpc-server.js";
import type { Transport } from "./grpc-transport.js";

export class PartitionControl {
  readonly blocked = new Set<NodeId>();

  block(peers: NodeId[]): void {
    this.blocked.clear();
    for (const p of peers) this.blocked.add(p);
  }

  /** A transport that drops what goes to a blocked peer. */
  wrap(inner: Transport): Transport {
    return {
      send: (messages: Message[]) => {
        if (this.blocked.size === 0) return inner.send(messages);
        inner.send(messages.filter((m) => !this.blocked.has(m.to)));
      },
      setPeers: (addresses) => inner.setPeers(addresses),
      close: () => inner.close(),
    };
  }

  /** The RaftService implementation of `node`, dropping what comes from a blocked peer. */
  raftService(node: RaftNode<unknown>, hooks: RaftServiceHooks) {
    const filtered = new Proxy(node, {
      get: (target, prop, receiver) => {
        if (prop === "receive") {
          return (m: Message) => {
            if (!this.blocked.has(m.from)) target.receive(m);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return raftServiceImplementation(filtered, hooks);
  }
}
