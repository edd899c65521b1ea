// A Raft cluster of one service (db-node or order-executor) spread over test hosts, one process per
// host, as the nemesis drives it: start, crash and restart, freeze and thaw, hand leadership over,
// and single-server membership changes through RaftService with the cluster token — a new member on
// a spare host (fresh id, empty data, not in <PREFIX>_PEERS, with <PREFIX>_ADVERTISE_ADDR), a member removed and its
// process stopped and wiped, as an operator would.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { callUnary, clientFor } from "@bookstore/kit";
import { type MembershipResponse, RaftServiceClient, type RaftStatusResponse } from "@bookstore/proto";
import { HostProcess } from "./host-process.js";
import type { NamespaceNetwork } from "./net-namespaces.js";

/** Every service listens on the same ports inside its own namespace. */
export const SERVICE_PORT = 7000;
const ADMIN_PORT = 7001;

export interface ServiceKind {
  label: string;
  entry: string;
  /** Node ids are `${idPrefix}${n}`. */
  idPrefix: string;
  /** Environment variable prefix: DB or EXECUTOR. */
  envPrefix: string;
  token: string;
  /** What every node of the service needs besides its identity (participants' addresses...). */
  env: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RaftCluster {
  /** The members, as the harness knows them, and their processes. */
  readonly nodes = new Map<string, HostProcess>();
  private readonly hostOf = new Map<string, string>();
  private nextId = 1;

  constructor(
    readonly kind: ServiceKind,
    private readonly net: NamespaceNetwork,
    /** Every host this service may use; the first ones start the cluster, the rest are spares. */
    readonly hosts: string[],
    private readonly dir: string,
  ) {
    mkdirSync(join(dir, "logs"), { recursive: true });
  }

  members(): string[] {
    return [...this.nodes.keys()];
  }

  host(id: string): string {
    const h = this.hostOf.get(id);
    if (!h) throw new Error(`${this.kind.label}: no member ${id}`);
    return h;
  }

  address(id: string): string {
    return `${this.net.address(this.host(id))}:${SERVICE_PORT}`;
  }

  /** Every host's address: clients get all of them, so they reach whatever a membership change adds. */
  allAddresses(): string[] {
    return this.hosts.map((h) => `${this.net.address(h)}:${SERVICE_PORT}`);
  }

  private dataDir(id: string): string {
    return join(this.dir, "data", id);
  }

  private peers(ids: string[]): string {
    return ids.map((id) => `${id}=${this.address(id)}`).join(",");
  }

  private spawn(id: string, host: string, peerIds: string[], joining: boolean): HostProcess {
    this.hostOf.set(id, host);
    const p = this.kind.envPrefix;
    const proc = new HostProcess(
      {
        name: id,
        host,
        entry: this.kind.entry,
        address: this.address(id),
        env: {
          ...this.kind.env,
          [`${p}_NODE_ID`]: id,
          [`${p}_HOST`]: this.net.address(host),
          [`${p}_PORT`]: String(SERVICE_PORT),
          [`${p}_ADMIN_PORT`]: String(ADMIN_PORT),
          [`${p}_PEERS`]: this.peers(peerIds),
          [`${p}_DATA_DIR`]: this.dataDir(id),
          [`${p}_ADMIN_TOKEN`]: this.kind.token,
          // A node its PEERS do not list joins the running cluster at its advertised address.
          ...(joining ? { [`${p}_ADVERTISE_ADDR`]: this.address(id) } : {}),
          LOG_LEVEL: "info",
        },
      },
      this.net,
      join(this.dir, "logs", `${id}.log`),
    );
    this.nodes.set(id, proc);
    proc.start();
    return proc;
  }

  /** Bootstraps `count` members on the first hosts and waits until each is ready. */
  async start(count = 3): Promise<void> {
    const ids = this.hosts.slice(0, count).map((host) => {
      const id = `${this.kind.idPrefix}${this.nextId++}`;
      this.hostOf.set(id, host);
      return id;
    });
    const procs = ids.map((id) => this.spawn(id, this.host(id), ids, false));
    await Promise.all(procs.map((p) => p.waitReady()));
  }

  private client(id: string): RaftServiceClient {
    return clientFor(RaftServiceClient, this.address(id));
  }

  async status(id: string, deadlineMs = 500): Promise<RaftStatusResponse | undefined> {
    const proc = this.nodes.get(id);
    if (!proc?.running || proc.paused) return undefined;
    const c = this.client(id);
    return callUnary(c, c.status, {}, { deadlineMs }).catch(() => undefined);
  }

  /** The member that says it leads, in the highest term any member reports. */
  async leader(): Promise<string | undefined> {
    const ids = this.members();
    const statuses = await Promise.all(ids.map((id) => this.status(id)));
    let best: RaftStatusResponse | undefined;
    for (const s of statuses) if (s?.role === "leader" && (!best || s.term > best.term)) best = s;
    return best?.id;
  }

  async waitLeader(timeoutMs = 30_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const l = await this.leader();
      if (l) return l;
      await sleep(100);
    }
    throw new Error(`${this.kind.label}: no leader within ${timeoutMs} ms`);
  }

  async kill(id: string): Promise<void> {
    await this.nodes.get(id)?.kill();
  }

  /** Starts a member's process again with its data (no-op if it runs). */
  async restart(id: string): Promise<void> {
    const proc = this.nodes.get(id);
    if (!proc || proc.running) return;
    proc.start();
    await proc.waitReady();
  }

  pause(id: string): void {
    this.nodes.get(id)?.pause();
  }

  resume(id: string): void {
    this.nodes.get(id)?.resume();
  }

  async transferLeadership(from: string, to: string): Promise<boolean> {
    const c = this.client(from);
    const r = await callUnary(
      c,
      c.transferLeadership,
      { to, adminToken: this.kind.token },
      { deadlineMs: 5000 },
    ).catch(() => undefined);
    return r?.success ?? false;
  }

  /** Sends a membership change to the leader, following its redirects, until it succeeds or time runs out. */
  private async membership(
    send: (c: RaftServiceClient) => Promise<MembershipResponse>,
    timeoutMs = 20_000,
  ): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last = "no leader";
    while (Date.now() < end) {
      const leader = await this.leader();
      if (leader) {
        const r = await send(this.client(leader)).catch((e: Error) => ({
          success: false,
          message: e.message,
        }));
        if (r.success) return;
        last = r.message;
      }
      await sleep(200);
    }
    throw new Error(`${this.kind.label}: membership change failed: ${last}`);
  }

  /**
   * A membership change whose answer may be lost: when the calls fail, the leader's configuration
   * says whether it happened after all.
   */
  private async changed(
    id: string,
    present: boolean,
    send: (c: RaftServiceClient) => Promise<MembershipResponse>,
  ): Promise<void> {
    try {
      await this.membership(send);
    } catch (error) {
      const conf = await this.configuration();
      if (!conf || conf.some((m) => m.id === id) !== present) throw error;
    }
  }

  /** Members as the leader's configuration has them (voters and learners), or undefined. */
  async configuration(): Promise<{ id: string; learner: boolean }[] | undefined> {
    const leader = await this.leader();
    const s = leader ? await this.status(leader) : undefined;
    return s?.peers.map((p) => ({ id: p.id, learner: p.learner }));
  }

  /** A new member on a spare host: AddNode (as a learner, promoted once caught up), then its process. */
  async join(): Promise<string> {
    const host = this.hosts.find(
      (h) => ![...this.hostOf.entries()].some(([id, hh]) => hh === h && this.nodes.has(id)),
    );
    if (!host) throw new Error(`${this.kind.label}: no spare host`);
    const id = `${this.kind.idPrefix}${this.nextId++}`;
    this.hostOf.set(id, host);
    const address = this.address(id);
    await this.changed(id, true, (c) =>
      callUnary(
        c,
        c.addNode,
        { id, address, learner: true, adminToken: this.kind.token },
        { deadlineMs: 5000 },
      ),
    );
    rmSync(this.dataDir(id), { recursive: true, force: true });
    const proc = this.spawn(id, host, this.members(), true);
    await proc.waitReady();
    return id;
  }

  /** Waits until `id` is a voter in the leader's configuration. */
  async waitVoter(id: string, timeoutMs = 30_000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const conf = await this.configuration();
      if (conf?.some((m) => m.id === id && !m.learner)) return true;
      await sleep(200);
    }
    return false;
  }

  /** RemoveNode on the leader, then the removed member's process is stopped and its data wiped. */
  async remove(id: string): Promise<void> {
    await this.changed(id, false, (c) =>
      callUnary(c, c.removeNode, { id, adminToken: this.kind.token }, { deadlineMs: 5000 }),
    );
    const proc = this.nodes.get(id);
    this.nodes.delete(id);
    await proc?.close();
    rmSync(this.dataDir(id), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((p) => p.close()));
  }
}
