// Jepsen-style fault runs on real links (docs/reliability.md, issue 14), short enough for CI: each
// db-node and order-executor process on its own network host (a Linux network namespace joined to
// the others by veth links), faults scheduled from a fixed seed, and the recorded histories checked
// (linearizability per key, stock conservation; every order finished, charged iff stock taken, none
// twice, no hold open). `npm run nemesis -- --minutes N` is the long version of the same runs.
//
// Skipped only when the kernel or our privileges refuse network namespaces; anything else that
// goes wrong fails.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { DatabaseClient, ValueType } from "@bookstore/db-client";
import { closeAllClients } from "@bookstore/kit";
import { NamespaceNetwork, namespaceSupport, removeStaleNetworks } from "./nemesis/net-namespaces.js";
import { RaftCluster } from "./nemesis/raft-cluster.js";
import { runNemesis } from "./nemesis/run-nemesis.js";
import { TOKENS } from "./support/order-system.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let support: Awaited<ReturnType<typeof namespaceSupport>>;

function skipUnlessNamespaces(t: { skip(message: string): void }): boolean {
  if (support.ok) return false;
  t.skip(`the kernel refused network namespaces (${support.reason}); the nemesis runs need root and netns`);
  return true;
}

describe("nemesis: faults on real links", { timeout: 15 * 60_000 }, () => {
  before(async () => {
    support = await namespaceSupport();
    if (support.ok) await removeStaleNetworks();
  });

  it("a follower cut off silently for 15 s follows the leader again within 3 s of the heal", async (t) => {
    if (skipUnlessNamespaces(t)) return;
    // Before the Raft transport had keepalive and a connect timeout, TCP's backoff held it 5-7 s.
    const hosts = ["db-a", "db-b", "db-c"];
    const dir = mkdtempSync(join(tmpdir(), `bookstore-nemesis-${process.pid}-`));
    const net = await NamespaceNetwork.create(hosts);
    const kind = {
      label: "db-node",
      entry: "services/db-node/src/index.ts",
      idPrefix: "db",
      envPrefix: "DB",
      token: TOKENS.db,
      env: { DB_SEED_CATALOG: "false" },
    };
    const c = new RaftCluster(kind, net, hosts, dir);
    try {
      await c.start(3);
      const db = new DatabaseClient({ addresses: c.allAddresses(), deadlineMs: 6000 });
      const leader = await c.waitLeader();
      const follower = c.members().find((id) => id !== leader) as string;
      await net.partition(
        [c.host(follower)],
        hosts.filter((h) => h !== c.host(follower)),
      );
      for (let i = 0; i < 30; i++) {
        await db.write("cut:k", String(i), ValueType.VALUE_TYPE_STRING);
        await sleep(500);
      }
      await net.healAll();
      const healed = Date.now();
      const target = (await c.status(leader))?.commitIndex ?? Number.POSITIVE_INFINITY;
      let caughtUp: number | undefined;
      while (caughtUp === undefined && Date.now() - healed < 20_000) {
        const s = await c.status(follower);
        if (s && s.leaderId === leader && s.appliedIndex >= target) caughtUp = Date.now() - healed;
        else await sleep(20);
      }
      assert.ok(
        caughtUp !== undefined && caughtUp < 3000,
        `caught up after ${caughtUp ?? "more than 20000"} ms`,
      );
    } finally {
      await c.close();
      await net.destroy();
      closeAllClients();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("db-node, seed 24 (partitions, a frozen leader, a membership change, every node killed): no anomaly", async (t) => {
    if (skipUnlessNamespaces(t)) return;
    const r = await runNemesis({ target: "db", minutes: 1.5, seed: 24, print: (line) => t.diagnostic(line) });
    assert.ok(r.faults >= 4, `only ${r.faults} faults`);
    assert.deepEqual(r.anomalies, [], r.report);
  });

  it("orders, seed 29 (the executor leader cut off and frozen, every executor killed, a membership change): no anomaly", async (t) => {
    if (skipUnlessNamespaces(t)) return;
    const r = await runNemesis({
      target: "orders",
      minutes: 1.5,
      seed: 29,
      print: (line) => t.diagnostic(line),
    });
    assert.ok(r.faults >= 4, `only ${r.faults} faults`);
    assert.deepEqual(r.anomalies, [], r.report);
  });
});
