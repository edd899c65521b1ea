// Backup and restore of a node's state, and leadership handed over on a stop on purpose: a
// snapshot taken from a running follower under writes, checked byte for byte, restored into the
// data directories of a new three-node cluster that then serves every write acknowledged before.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { status as grpcStatus, type ServiceError } from "@grpc/grpc-js";
import { command } from "../src/bench/byte-kv.js";
import { freePort } from "../src/bench/cluster.js";
import {
  BackupFormatError,
  decodeBackup,
  encodeBackup,
  fetchBackup,
  handOffLeadership,
  RaftError,
  RestoreError,
  restoreDataDir,
  successorOf,
} from "../src/index.js";
import { GrpcNodes, type Running, TOKEN, waitFor } from "./grpc-nodes.js";

const nodes = new GrpcNodes();
after(() => nodes.stopAll());

async function cluster(ids: string[], dataDirs?: string[]) {
  const ports = await Promise.all(ids.map(() => freePort()));
  const peers = ids.map((id, i) => ({ id, address: `127.0.0.1:${ports[i]}` }));
  const started = await Promise.all(
    peers.map((p, i) =>
      nodes.launch(p.id, ports[i] as number, peers, dataDirs ? { dataDir: dataDirs[i] as string } : {}),
    ),
  );
  const leader = await waitFor(() => started.find((n) => n.node.status().role === "leader"));
  return { peers, started, leader };
}

describe("backup and restore of a node's data", { timeout: 60_000 }, () => {
  it("a follower's snapshot under writes restores into a new cluster with every acknowledged write", async () => {
    const old = await cluster(["a1", "a2", "a3"]);
    const acked: string[] = [];
    let writing = true;
    // Writes go to whoever leads: on a loaded machine an election may come in the middle (a write
    // then lost or of unknown outcome is simply not counted as acknowledged).
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const leader = old.started.find((n) => n.node.status().role === "leader");
        try {
          if (!leader) throw new RaftError("NOT_LEADER", "no leader yet");
          await leader.node.propose(command(`k${i}`, Buffer.from(`v${i}`)));
          acked.push(`k${i}`);
        } catch (error) {
          if (!(error instanceof RaftError) || error.code === "STOPPED") throw error;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    })();
    writer.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    await waitFor(() => acked.length >= 120, 20_000);
    const follower = old.started.find((n) => n.node.status().role !== "leader") as Running;
    const ackedBefore = [...acked];
    const backup = await fetchBackup(`127.0.0.1:${follower.server.port}`, TOKEN);
    writing = false;
    await writer;
    assert.equal(backup.nodeId, follower.id);
    assert.deepEqual(backup.snapshot.conf.voters.sort(), ["a1", "a2", "a3"]);
    // Written and read back as a file; any change to it is refused.
    const file = encodeBackup(backup);
    assert.deepEqual(decodeBackup(file).snapshot, backup.snapshot);
    const flipped = Buffer.from(file);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    assert.throws(() => decodeBackup(flipped), /does not match its SHA-256/);
    assert.throws(() => decodeBackup(file.subarray(0, file.length - 1)), BackupFormatError);
    assert.throws(() => decodeBackup(Buffer.from("hello\n")), /bad magic/);

    // Restored into three new data directories with a new membership.
    const dirs = ["b1", "b2", "b3"].map((id) => join(nodes.dir, `restored-${id}`));
    const newPorts = await Promise.all(dirs.map(() => freePort()));
    const members = ["b1", "b2", "b3"].map((id, i) => ({ id, address: `127.0.0.1:${newPorts[i]}` }));
    for (const d of dirs) await restoreDataDir(d, decodeBackup(file).snapshot, members);
    await assert.rejects(restoreDataDir(dirs[0] as string, backup.snapshot, members), RestoreError);
    const restored = await Promise.all(
      members.map((m, i) =>
        nodes.launch(m.id, newPorts[i] as number, members, { dataDir: dirs[i] as string }),
      ),
    );
    const leader = await waitFor(() => restored.find((n) => n.node.status().role === "leader"), 10_000);
    assert.ok(leader.node.status().term > backup.snapshot.term, "the new cluster continues the old terms");
    for (const r of restored) {
      await r.node.readBarrier().catch(() => undefined);
      const missing = ackedBefore.filter((k) => !r.sm.data.has(k));
      assert.deepEqual(missing, [], `${r.id} has every write acknowledged before the backup`);
    }
    const at = await leader.node.propose(command("after-restore", Buffer.from("1")));
    assert.ok(at > backup.snapshot.index, "new writes continue after the snapshot's index");
    await waitFor(() => restored.every((r) => r.sm.data.has("after-restore")));
  });

  it("Backup needs the cluster's token", async () => {
    const port = await freePort();
    const solo = await nodes.launch("solo", port, [{ id: "solo", address: `127.0.0.1:${port}` }]);
    await waitFor(() => solo.node.status().role === "leader");
    for (const token of ["", "wrong"]) {
      const e = await fetchBackup(`127.0.0.1:${port}`, token).then(
        () => undefined,
        (err: ServiceError) => err,
      );
      assert.equal(e?.code, grpcStatus.PERMISSION_DENIED);
    }
  });

  it("restore refuses a data directory in use and an empty or repeated member list", async () => {
    const dir = join(nodes.dir, "in-use");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "something"), "x");
    const snapshot = {
      index: 5,
      term: 2,
      conf: { voters: ["x"], learners: [], addresses: {} },
      data: new Uint8Array(),
    };
    await assert.rejects(restoreDataDir(dir, snapshot, [{ id: "x", address: "h:1" }]), /not empty/);
    await assert.rejects(restoreDataDir(join(nodes.dir, "fresh1"), snapshot, []), /at least one member/);
    await assert.rejects(
      restoreDataDir(join(nodes.dir, "fresh2"), snapshot, [
        { id: "x", address: "h:1" },
        { id: "x", address: "h:2" },
      ]),
      /distinct/,
    );
  });
});

describe("leadership handed over before a stop", { timeout: 30_000 }, () => {
  it("picks the most caught-up voter, never a learner or itself", () => {
    const peer = (id: string, matchIndex: number, learner = false) => ({
      id,
      address: "",
      matchIndex,
      nextIndex: matchIndex + 1,
      learner,
    });
    const status = {
      id: "n1",
      role: "leader" as const,
      term: 3,
      leaderId: "n1",
      leaderAddress: "",
      commitIndex: 90,
      appliedIndex: 90,
      peers: [peer("n1", 100), peer("n2", 80), peer("n3", 95), peer("n4", 99, true)],
    };
    assert.equal(successorOf(status), "n3");
    assert.equal(successorOf({ ...status, peers: [peer("n1", 100)] }), undefined);
  });

  it("the leader hands over to a follower, which leads at once; a follower hands nothing", async () => {
    const c = await cluster(["h1", "h2", "h3"]);
    await c.leader.node.propose(command("x", Buffer.from("1")));
    const follower = c.started.find((n) => n !== c.leader) as Running;
    assert.equal(await handOffLeadership(follower.node), undefined);
    const started = Date.now();
    const to = await handOffLeadership(c.leader.node);
    assert.ok(to !== undefined && to !== c.leader.id, `handed to ${to}`);
    const next = c.started.find((n) => n.id === to) as Running;
    await waitFor(() => next.node.status().role === "leader");
    console.log(`# leadership handed over in ${Date.now() - started} ms`);
    await next.node.propose(command("y", Buffer.from("2")));
  });
});
