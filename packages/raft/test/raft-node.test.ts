// The node driver and gRPC transport in one process: the public API end to end.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { RaftServiceClient } from "@bookstore/proto";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { command } from "../src/bench/byte-kv.js";
import { freePort } from "../src/bench/cluster.js";
import { RaftError } from "../src/index.js";
import { GrpcNodes, type Running, TOKEN, waitFor } from "./grpc-nodes.js";

const nodesUnderTest = new GrpcNodes();
const launch = (id: string, port: number, peers: { id: string; address: string }[], joining = false) =>
  nodesUnderTest.launch(id, port, peers, { join: joining });

after(() => nodesUnderTest.stopAll());

describe("RaftNode over gRPC", { timeout: 30_000 }, () => {
  it("proposes, reads, reports status, changes membership and transfers leadership", async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const peers = ["n1", "n2", "n3"].map((id, i) => ({ id, address: `127.0.0.1:${ports[i]}` }));
    const nodes = await Promise.all(peers.map((p, i) => launch(p.id, ports[i] as number, peers)));
    const leader = await waitFor(() => nodes.find((n) => n.node.status().role === "leader"));
    const follower = nodes.find((n) => n !== leader) as Running;

    // propose resolves with the state machine's result (here: the applied index)
    const index = await leader.node.propose(command("a", Buffer.from("1")));
    assert.ok(index > 0);
    const many = await Promise.all(
      Array.from({ length: 100 }, (_, i) => leader.node.propose(command(`k${i}`, Buffer.from("v")))),
    );
    assert.equal(new Set(many).size, 100);

    // a proposal to a follower names the leader and its address
    await assert.rejects(follower.node.propose(command("b", Buffer.from("2"))), (e: unknown) => {
      assert.ok(e instanceof RaftError);
      assert.equal(e.code, "NOT_LEADER");
      assert.equal(e.leaderId, leader.id);
      assert.equal(e.leaderAddress, peers.find((p) => p.id === leader.id)?.address);
      return true;
    });

    // linearizable read on a follower sees the committed write
    const v = await follower.node.read(() => follower.sm.data.get("a")?.toString());
    assert.equal(v, "1");

    const st = leader.node.status();
    assert.equal(st.role, "leader");
    assert.equal(st.leaderId, leader.id);
    assert.equal(st.peers.length, 3);
    assert.ok(st.peers.every((p) => p.matchIndex >= index));

    // a new node joins as a learner (catching up through a snapshot) and is promoted automatically
    const n4 = await launch("n4", ports[3] as number, peers, true);
    await leader.node.addNode("n4", `127.0.0.1:${ports[3]}`, true);
    await waitFor(() => leader.node.status().peers.find((p) => p.id === "n4" && !p.learner));
    await waitFor(() => n4.sm.data.get("k99") !== undefined);

    // remove a follower; the cluster of three keeps committing
    const gone = nodes.find((n) => n !== leader) as Running;
    await leader.node.removeNode(gone.id);
    assert.equal(leader.node.status().peers.length, 3);
    await leader.node.propose(command("c", Buffer.from("3")));

    // leadership transfer to n4; proposals meanwhile are refused, not fatal
    const transfer = leader.node.transferLeadership("n4");
    await assert.rejects(leader.node.propose(command("x", Buffer.from("x"))), RaftError);
    assert.equal(await transfer, true);
    await waitFor(() => n4.node.status().role === "leader");
    const idx = await n4.node.propose(command("d", Buffer.from("4")));
    assert.ok(idx > index);
  });

  it("a snapshot larger than the peers' message limit reaches a new member in parts (nemesis soak)", async () => {
    // Every server accepts 512 KiB messages; the snapshot is ~1.6 MB, sent in 128 KiB parts.
    const limits = { maxReceiveBytes: 512 << 10, snapshotPartBytes: 128 << 10 };
    const ports = await Promise.all([freePort(), freePort()]);
    const peers = [{ id: "s1", address: `127.0.0.1:${ports[0]}` }];
    const s1 = await nodesUnderTest.launch("s1", ports[0] as number, peers, limits);
    await waitFor(() => s1.node.status().role === "leader");
    const value = Buffer.alloc(4096, 7);
    for (let i = 0; i < 400; i++) await s1.node.propose(command(`big${i}`, value));
    await waitFor(() => s1.node.status().appliedIndex >= 400);
    const s2 = await nodesUnderTest.launch("s2", ports[1] as number, peers, { ...limits, join: true });
    await s1.node.addNode("s2", `127.0.0.1:${ports[1]}`, true);
    await waitFor(() => s2.sm.data.get("big399")?.equals(value), 15_000);
    assert.equal(s2.sm.data.size, s1.sm.data.size);
  });

  it("membership, leadership and peer streams need the cluster's token (issue 10, finding 9)", async () => {
    const [port] = await Promise.all([freePort()]);
    const solo = await launch("solo", port as number, [{ id: "solo", address: `127.0.0.1:${port}` }]);
    await waitFor(() => solo.node.status().role === "leader");
    const client = new RaftServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const unary = <Req>(method: (r: Req, cb: (e: ServiceError | null) => void) => unknown, request: Req) =>
      new Promise<ServiceError | null>((resolve) => method.call(client, request, (e) => resolve(e)));
    for (const adminToken of ["", "wrong"]) {
      const add = await unary(client.addNode, { id: "x", address: "127.0.0.1:1", learner: true, adminToken });
      const remove = await unary(client.removeNode, { id: "solo", adminToken });
      const transfer = await unary(client.transferLeadership, { to: "x", adminToken });
      for (const e of [add, remove, transfer]) assert.equal(e?.code, status.PERMISSION_DENIED);
    }
    assert.deepEqual(
      solo.node.status().peers.map((p) => p.id),
      ["solo"],
    );
    // A forged message on a stream without the token never reaches the node.
    const before = solo.node.status().term;
    const refused = await new Promise<ServiceError | null>((resolve) => {
      const stream = client.send((e) => resolve(e));
      stream.write({
        type: 3,
        from: "evil",
        to: "solo",
        term: 1_000_000,
        logTerm: 0,
        index: 0,
        entries: [],
        commit: 0,
        reject: false,
        rejectHint: 0,
        snapshot: undefined,
        context: Buffer.alloc(0),
        part: undefined,
      });
      stream.end();
    });
    assert.equal(refused?.code, status.PERMISSION_DENIED);
    assert.equal(solo.node.status().term, before);
    // With the token the same RPC is served.
    assert.equal(await unary(client.removeNode, { id: "nobody", adminToken: TOKEN }), null);
    client.close();
  });
});
