// Five-node clusters lose two nodes and keep their promises (real processes): a majority of three
// elects a leader and commits, no acknowledged write is lost, and every order still ends COMPLETED
// or FAILED with the order invariants intact when two executors and two db-nodes are SIGKILLed
// (each time the leader first) while orders execute.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { JobStatus, ValueType } from "@bookstore/proto";
import { ProcessCluster } from "../packages/raft/src/bench/cluster.js";
import {
  executorLeader,
  type OrderSystem,
  orderInvariantProblems,
  prepareOrders,
  startOrderSystem,
  submitPrepared,
  waitFinished,
} from "./support/order-system.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("5-node clusters with 2 nodes killed", { timeout: 420_000 }, () => {
  let raft: ProcessCluster | undefined;
  let s: OrderSystem | undefined;
  after(async () => {
    await raft?.stop();
    await s?.stop();
  });

  it("Raft: SIGKILL of the leader, then of a follower under load: a leader of 3 commits, nothing lost", async () => {
    raft = await ProcessCluster.start({ nodes: 5, tickMs: 50, electionTick: 10 });
    const acked = new Set<string>();
    const first = await raft.waitForLeader();
    first.node.onAcked = (keys) => {
      for (const k of keys) acked.add(k);
    };
    const load1 = first.node
      .request({ type: "load", concurrency: 16, durationMs: 20_000, size: 64, report: true })
      .catch(() => {});
    await sleep(1000);
    first.node.kill("SIGKILL");
    await load1;
    const second = await raft.waitForLeader(15_000, first.term);
    const follower = raft.nodes.find((n) => n !== first.node && n !== second.node && n.alive);
    assert.ok(follower);
    follower.kill("SIGKILL");
    second.node.onAcked = (keys) => {
      for (const k of keys) acked.add(k);
    };
    const before = acked.size;
    await second.node.request({ type: "load", concurrency: 16, durationMs: 1500, size: 64, report: true });
    assert.ok(acked.size > before + 50, `the remaining 3 of 5 committed ${acked.size - before} writes`);
    const dump = await second.node.request({ type: "dump" });
    const present = new Set(dump.keys as string[]);
    const lost = [...acked].filter((k) => !present.has(k));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged writes lost`);
  });

  it("orders: 2 of 5 executors and 2 of 5 db-nodes SIGKILLed while orders execute: every order finishes, invariants hold", async () => {
    s = await startOrderSystem({ EXECUTOR_CONCURRENCY: "16" }, { nodes: 5, executionOnly: true });
    const system = s;
    const books = { "the-road": 100, dracula: 100 };
    for (const [book, n] of Object.entries(books))
      await system.db.write(`stock:${book}`, String(n), ValueType.VALUE_TYPE_INT);
    const line = (bookId: string) => ({ bookId, title: bookId, quantity: 1, unitPriceCents: 1000 });
    const orders = await prepareOrders(system, 80, (i) => ({
      lines: [line(i % 2 ? "the-road" : "dracula")],
    }));
    const submitted = (async () => {
      const ids: string[] = [];
      for (let b = 0; b < 8; b++) {
        ids.push(...(await submitPrepared(system, orders.slice(b * 10, (b + 1) * 10))));
        await sleep(250);
      }
      return ids;
    })();
    const dbPrimary = async () => {
      const st = (await system.db.statusAll()).find((x) => x.status === "online" && x.role === "primary");
      assert.ok(st);
      return `db-node-${system.ports.dbNodes.map((p) => `127.0.0.1:${p}`).indexOf(st.address) + 1}`;
    };
    const killed: string[] = [];
    const kill = async (name: string) => {
      killed.push(name);
      await system.kill(name);
    };
    await sleep(400);
    await kill((await executorLeader(system)).name);
    await kill(await dbPrimary());
    await sleep(600);
    const exLeader = (await executorLeader(system, 15_000)).name;
    await kill(
      [1, 2, 3, 4, 5].map((i) => `order-executor-${i}`).find((n) => n !== exLeader && !killed.includes(n)) ??
        "",
    );
    const dbNow = await dbPrimary().catch(() => "");
    await kill(
      [1, 2, 3, 4, 5].map((i) => `db-node-${i}`).find((n) => n !== dbNow && !killed.includes(n)) ?? "",
    );
    const ids = await submitted;
    const jobs = await waitFinished(system, ids, 120_000);
    assert.deepEqual(await orderInvariantProblems(system, jobs, new Map(Object.entries(books))), []);
    const completed = [...jobs.values()].filter((j) => j.status === JobStatus.JOB_STATUS_COMPLETED).length;
    assert.ok(completed > 0, "orders completed with two nodes of each cluster down");
    console.log(`# killed ${killed.join(", ")}; ${completed} of ${ids.length} orders COMPLETED`);
  });
});
