// Operating a running db-node cluster with `npm run cluster` (real processes): a fourth and a fifth
// node added under write load and promoted once caught up, the old leader removed, no acknowledged
// write lost; then a backup taken from a running member and restored into a new cluster.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { DatabaseClient, ValueType } from "@bookstore/db-client";
import { closeAllClients, freePort } from "@bookstore/kit";
import { parseInvocation } from "../scripts/cluster/args.js";
import { runCommand } from "../scripts/cluster/commands.js";
import { ADMIN_TOKEN, DbCluster, DbProcess } from "../services/db-node/src/cluster-harness.js";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;

/** `npm run cluster -- <args>` as an operator runs it (a process, token from the environment). */
async function cluster(args: string[], nodes: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "scripts/cluster.ts", ...args, "--nodes", nodes.join(","), "--timeout", "40"],
    { cwd: root, env: { ...process.env, DB_ADMIN_TOKEN: ADMIN_TOKEN } },
  );
  return stdout;
}

/** The same command in this process (what the CLI runs, without starting Node again). */
async function clusterHere(args: string[], nodes: string[]): Promise<string> {
  const lines: string[] = [];
  const inv = parseInvocation([...args, "--nodes", nodes.join(",")], { DB_ADMIN_TOKEN: ADMIN_TOKEN });
  await runCommand(inv, (line) => lines.push(line));
  return lines.join("\n");
}

describe("cluster operations on db-node processes", { timeout: 240_000 }, () => {
  let db: DbCluster;
  const extra: DbProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), "cluster-ops-"));
  const acked = new Map<string, string>();
  let addresses: string[] = [];

  before(async () => {
    db = await DbCluster.start({ nodes: 3, env: { DB_SEED_CATALOG: "false" } });
    addresses = [...db.addresses];
  });
  after(async () => {
    await Promise.all(extra.map((n) => n.stop()));
    await db?.stop();
    closeAllClients();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Acknowledged writes whose value `client` does not read back (concurrent reads travel in batches). */
  async function missingWrites(client: DatabaseClient): Promise<string[]> {
    const keys = [...acked.keys()];
    const values = await Promise.all(keys.map((k) => client.read(k).then((r) => r.value)));
    return keys.filter((k, i) => values[i] !== acked.get(k));
  }

  /** A db-node process; `join`: not in DB_PEERS, so it waits to be added (DB_ADVERTISE_ADDR set). */
  async function startNode(
    id: string,
    peers: string,
    o: { join?: boolean; port?: number } = {},
  ): Promise<DbProcess> {
    const port = o.port ?? (await freePort());
    const address = `127.0.0.1:${port}`;
    const node = new DbProcess(
      id,
      address,
      {
        DB_NODE_ID: id,
        DB_PORT: String(port),
        DB_ADMIN_PORT: "0",
        DB_PEERS: peers,
        DB_DATA_DIR: join(dir, id),
        DB_ADMIN_TOKEN: ADMIN_TOKEN,
        DB_SEED_CATALOG: "false",
        LOG_LEVEL: "warn",
        ...(o.join ? { DB_ADVERTISE_ADDR: address } : {}),
      },
      false,
    );
    extra.push(node);
    await node.start();
    return node;
  }

  it("adds a 4th and 5th node under write load, removes the old leader, loses no acknowledged write", async () => {
    const peers = db.nodes.map((n) => `${n.id}=${n.address}`).join(",");
    let writing = true;
    let failed = 0;
    const writer = async (w: number) => {
      const client = new DatabaseClient({ addresses, deadlineMs: 10_000 });
      for (let i = 0; writing; i++) {
        const key = `m:${w}:${i}`;
        try {
          await client.write(key, `v${i}`, ValueType.VALUE_TYPE_STRING);
          acked.set(key, `v${i}`);
        } catch {
          failed++;
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    const joined: DbProcess[] = [];
    let oldLeader: DbProcess | undefined;
    // The writers stop however this part ends, so a failure here does not run on into the next test.
    try {
      await new Promise((r) => setTimeout(r, 500));
      for (const id of ["db4", "db5"]) {
        const node = await startNode(id, peers, { join: true });
        joined.push(node);
        const out = await cluster(["add", id, node.address], addresses);
        assert.match(out, new RegExp(`${id} is a voter`));
      }
      const before = await cluster(["status"], addresses);
      assert.match(before, /5 voters, a majority is 3, 2 may fail/, before);
      const leaderId = /membership \(leader (\w+),/.exec(before)?.[1];
      const leader = db.nodes.find((n) => n.id === leaderId);
      assert.ok(leader, `leader ${leaderId} is one of the first three`);
      oldLeader = leader;

      const out = await cluster(["remove", leader.id], addresses);
      assert.match(out, new RegExp(`${leader.id} removed`));
      await leader.stop();
      addresses = [...db.nodes.filter((n) => n !== oldLeader), ...joined].map((n) => n.address);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    assert.ok(oldLeader);
    const after = await cluster(["status"], addresses);
    assert.match(after, /4 voters, a majority is 3/, after);
    assert.doesNotMatch(after, new RegExp(`^${oldLeader.id}\\s`, "m"));
    assert.ok(acked.size > 200, `${acked.size} writes acknowledged (${failed} failed)`);
    const lost = await missingWrites(new DatabaseClient({ addresses, deadlineMs: 10_000 }));
    assert.deepEqual(lost.slice(0, 5), [], `${lost.length} of ${acked.size} acknowledged writes lost`);
    // The new members hold the data themselves (stale reads are served from local state).
    const probe = [...acked.keys()][0] as string;
    for (const node of joined) {
      const own = new DatabaseClient({ addresses: [node.address] });
      assert.equal((await own.read(probe, { stale: true })).value, acked.get(probe));
    }
    console.log(`# ${acked.size} writes acknowledged during the changes, ${failed} failed, none lost`);
  });

  it("a backup taken from a running member restores into a new three-node cluster", async () => {
    const file = join(dir, "db.backup");
    const out = await cluster(["backup", "--out", file], addresses);
    assert.match(out, /backup of db-node from \w+ .* at index \d+/);
    const ports = [await freePort(), await freePort(), await freePort()];
    const peers = ports.map((p, i) => `r${i + 1}=127.0.0.1:${p}`).join(",");
    for (let i = 1; i <= 3; i++) {
      const args = ["restore", "--from", file, "--data-dir", join(dir, `r${i}`), "--peers", peers];
      const restored = await (i === 1 ? cluster(args, addresses) : clusterHere(args, addresses));
      assert.match(restored, new RegExp(`r${i}: db-node state at index`));
    }
    // The executor's state machine refuses a db-node backup.
    await assert.rejects(
      clusterHere(
        ["restore", "--cluster", "executor", "--from", file, "--data-dir", join(dir, "x"), "--peers", peers],
        addresses,
      ),
      /does not hold order-executor state/,
    );
    const nodes = await Promise.all(
      [1, 2, 3].map((i) => startNode(`r${i}`, peers, { port: ports[i - 1] as number })),
    );
    const client = new DatabaseClient({ addresses: nodes.map((n) => n.address), deadlineMs: 15_000 });
    const missing = await missingWrites(client);
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} writes missing after the restore`);
    await client.write("after:restore", "1", ValueType.VALUE_TYPE_STRING);
    const status = await cluster(
      ["status"],
      nodes.map((n) => n.address),
    );
    assert.match(status, /3 voters/);
  });
});
