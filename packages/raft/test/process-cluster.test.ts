// Three real processes on gRPC: SIGKILL the leader under load; a new leader appears within about two
// election timeouts and no acknowledged proposal is lost.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ProcessCluster } from "../src/bench/cluster.js";

const tickMs = 50;
const electionTick = 10; // election timeout 500 ms, randomised up to 1000 ms

describe("multi-process cluster over gRPC", { timeout: 30_000 }, () => {
  let cluster: ProcessCluster | undefined;
  after(async () => {
    await cluster?.stop();
  });

  it("survives SIGKILL of the leader under load without losing acknowledged writes", async () => {
    cluster = await ProcessCluster.start({ nodes: 3, tickMs, electionTick });
    const { node: leader, term } = await cluster.waitForLeader();
    const acked = new Set<string>();
    leader.onAcked = (keys) => {
      for (const k of keys) acked.add(k);
    };
    const load = leader
      .request({ type: "load", concurrency: 16, durationMs: 20_000, size: 64, report: true })
      .catch(() => {});
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(acked.size > 100, `leader acknowledged ${acked.size} writes before the kill`);
    const killedAt = Date.now();
    leader.kill("SIGKILL");
    const next = await cluster.waitForLeader(10_000, term, 10);
    await load;
    const failoverMs = Date.now() - killedAt;
    const maxElectionTimeout = 2 * electionTick * tickMs;
    assert.ok(failoverMs <= 2 * maxElectionTimeout, `new leader after ${failoverMs} ms`);
    const dump = await next.node.request({ type: "dump" });
    assert.equal(dump.error, undefined);
    const present = new Set(dump.keys as string[]);
    const lost = [...acked].filter((k) => !present.has(k));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged writes lost`);

    // The killed leader restarts from its own disk and catches up with everything.
    await leader.start();
    const deadline = Date.now() + 10_000;
    let missing = acked.size;
    while (Date.now() < deadline) {
      const d = await leader.request({ type: "dump" }).catch(() => ({ keys: [] as string[] }));
      const mine = new Set((d.keys as string[] | undefined) ?? []);
      missing = [...acked].filter((k) => !mine.has(k)).length;
      if (missing === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(missing, 0, "restarted node recovered every acknowledged write");
    console.log(`# failover ${failoverMs} ms, ${acked.size} acknowledged writes all present`);
  });
});
