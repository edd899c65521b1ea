// What each `npm run cluster` command does, given a parsed invocation. Output goes to `print`;
// failures are thrown as errors whose message is what the operator reads.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { decodeBackup, encodeBackup, fetchBackup, restoreDataDir } from "@bookstore/raft";
import type { ClusterName, Invocation } from "./args.js";
import { ClusterAdmin } from "./cluster-admin.js";
import { formatStatus } from "./status-table.js";

/** Fails unless `data` restores into the cluster's own state machine (a backup of the other kind, say). */
async function checkRestorable(cluster: ClusterName, data: Uint8Array): Promise<void> {
  // Loaded only here: status and membership commands start faster without them.
  try {
    if (cluster === "db-node") {
      const { DbState } = await import("../../services/db-node/src/state-machine.js");
      new DbState().restore(data);
    } else {
      const { OrderState } = await import("../../services/order-executor/src/order-state-machine.js");
      new OrderState().restore(data);
    }
  } catch (error) {
    throw new Error(`the backup does not hold ${cluster} state: ${(error as Error).message}`);
  }
}

/** Temp file, fsync, rename, fsync the directory: the file is whole or absent after a crash. */
async function writeDurably(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  const fh = await open(tmp, "wx");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function followerOrAny(admin: ClusterAdmin): Promise<string> {
  const members = await admin.online();
  return (members.find((m) => m.status.role === "follower") ?? (members[0] as (typeof members)[number]))
    .address;
}

async function backup(admin: ClusterAdmin, inv: Invocation, out: string, from: string | undefined) {
  // A follower by default: the snapshot is serialised in its Raft loop, not the leader's.
  const source = from ?? (await followerOrAny(admin));
  const b = await fetchBackup(source, inv.token, inv.timeoutMs);
  await checkRestorable(inv.cluster, b.snapshot.data);
  await writeDurably(out, encodeBackup(b));
  return `backup of ${inv.cluster} from ${b.nodeId} (${source}) at index ${b.snapshot.index}, term ${b.snapshot.term}: ${out} (${b.snapshot.data.length} bytes of state)`;
}

export async function runCommand(inv: Invocation, print: (line: string) => void): Promise<void> {
  const admin = new ClusterAdmin(inv.nodes, inv.token, inv.timeoutMs);
  const c = inv.command;
  switch (c.kind) {
    case "status":
      print(formatStatus(inv.cluster, await admin.statusAll()));
      return;
    case "add":
      await admin.add(c.id, c.address, c.wait, print);
      print(c.wait ? `${c.id} is a voter` : `${c.id} added as a learner`);
      return;
    case "remove":
      await admin.remove(c.id);
      print(`${c.id} removed; stop its process and delete its data directory`);
      return;
    case "transfer-leader":
      print(`${await admin.transfer(c.to)} leads`);
      return;
    case "backup":
      print(await backup(admin, inv, c.out, c.from));
      return;
    case "restore": {
      const b = decodeBackup(readFileSync(c.file));
      await checkRestorable(inv.cluster, b.snapshot.data);
      await restoreDataDir(c.dataDir, b.snapshot, c.peers);
      print(
        `${c.dataDir}: ${inv.cluster} state at index ${b.snapshot.index} (taken from ${b.nodeId} at ${b.takenAt}), members ${c.peers.map((p) => p.id).join(", ")}`,
      );
      return;
    }
  }
}
