// Drives the pure core with a real clock, disk and network. One loop turns Ready batches into
// effects in the order Raft requires: persist (one fdatasync) → send → apply → advance (entries
// committed and already on disk are applied while the next ones are written).
// Proposals that arrive while a batch is being written are appended together in the next batch
// (group commit), so throughput grows with concurrency.
import { ProposalError, type RaftConfig, RaftCore } from "../core/raft.js";
import type { ConfChange, ConfState, Entry, Message, NodeId, Ready, Role, Snapshot } from "../core/types.js";
import { encodeConfChange, NONE } from "../core/types.js";
import { DiskStorage } from "../storage/disk-storage.js";
import type { Transport } from "../transport/grpc-transport.js";
import { RaftError } from "./errors.js";
import { leaseMs } from "./lease.js";
import { planReady } from "./ready-plan.js";
import type { StateMachine } from "./state-machine.js";

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silent: Logger = { info() {}, warn() {}, error() {} };
const DEFAULT_TICK_MS = 50;

export interface Member {
  id: NodeId;
  address: string;
}

export interface RaftNodeOptions<R> {
  id: NodeId;
  address: string;
  /** Bootstrap membership, including this node; when joining, the current members (for their addresses). */
  peers: Member[];
  /** Join an existing cluster (which adds this node with addNode) instead of bootstrapping one. */
  join?: boolean;
  dataDir: string;
  stateMachine: StateMachine<R>;
  transport: Transport;
  /** Milliseconds per logical tick. Election timeout = tickMs × electionTick (randomised up to 2×). */
  tickMs?: number;
  electionTick?: number;
  /**
   * Ticks between a leader's heartbeats (default 1). Commits and reads do not wait for them (both
   * send at once); a larger value saves CPU at rest but leaves followers less margin before they
   * campaign when the leader's process stalls (see the README).
   */
  heartbeatTick?: number;
  /**
   * Linearizable reads on the leader answered from its lease (lease.ts), without a heartbeat round
   * each. Every member of the cluster must run with the same setting, tickMs and electionTick.
   */
  leaseReads?: boolean;
  /** Take a snapshot and compact the log after this many applied entries. */
  snapshotEntries?: number;
  /** Most commands appended in one batch. */
  maxBatch?: number;
  /**
   * Preallocate the write-ahead log in steps of this many bytes (0 = off, the default), so the
   * per-batch fdatasync does not also commit a file-size change to the filesystem journal.
   */
  walPreallocateBytes?: number;
  /** Promote learners to voters automatically once they have caught up. */
  autoPromote?: boolean;
  core?: Partial<Omit<RaftConfig, "id">>;
  logger?: Logger;
}

export interface PeerStatus {
  id: NodeId;
  address: string;
  matchIndex: number;
  nextIndex: number;
  learner: boolean;
}

export interface RaftStatus {
  id: NodeId;
  role: Role;
  term: number;
  leaderId: NodeId;
  leaderAddress: string;
  commitIndex: number;
  appliedIndex: number;
  peers: PeerStatus[];
}

interface Pending<R> {
  term: number;
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

interface QueuedProposal<R> {
  data: Uint8Array;
  type: "normal" | "confChange";
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

export class RaftNode<R = unknown> {
  readonly id: NodeId;
  private core: RaftCore;
  private readonly storage: DiskStorage;
  private readonly sm: StateMachine<R>;
  private readonly transport: Transport;
  private readonly log: Logger;
  private readonly tickMs: number;
  private readonly snapshotEntries: number;
  private readonly maxBatch: number;
  private readonly autoPromote: boolean;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** An asynchronous apply is under way: `applied` is ahead of what the state machine shows. */
  private applying = false;
  private scheduled = false;
  /** No more work is taken (stop() was called, or the loop failed). */
  private stopped = false;
  /** stop() ran: disk and network are closed. */
  private closed = false;
  private loopDone: Promise<void> = Promise.resolve();
  private queue: QueuedProposal<R>[] = [];
  private readonly pending = new Map<number, Pending<R>>();
  private readonly reads = new Map<
    string,
    { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private readWaits: { index: number; ctx: string }[] = [];
  /** Backups waiting for the loop to be between two Ready batches (exportSnapshot). */
  private exports: { resolve: (s: Snapshot) => void; reject: (e: Error) => void }[] = [];
  private readSeq = 0;
  private applied = 0;
  private wasLeader = false;
  private addresses: Record<NodeId, string>;
  /** A local snapshot being written in the background (see maybeSnapshot). */
  private snapshotSave: Promise<void> | undefined;
  private snapshotError: unknown;

  private constructor(opts: RaftNodeOptions<R>, core: RaftCore, storage: DiskStorage) {
    this.id = opts.id;
    this.core = core;
    this.storage = storage;
    this.sm = opts.stateMachine;
    this.transport = opts.transport;
    this.log = opts.logger ?? silent;
    this.tickMs = opts.tickMs ?? DEFAULT_TICK_MS;
    this.snapshotEntries = opts.snapshotEntries ?? 20_000;
    this.maxBatch = opts.maxBatch ?? 1024;
    this.autoPromote = opts.autoPromote ?? true;
    this.applied = core.log.applied;
    this.addresses = { ...core.conf.addresses, [opts.id]: opts.address };
    this.transport.setPeers(this.addresses);
  }

  /** Opens the data directory, restores the state machine from the latest snapshot, builds the core. */
  static async create<R>(opts: RaftNodeOptions<R>): Promise<RaftNode<R>> {
    const bootstrap: ConfState = {
      voters: opts.join ? [] : opts.peers.map((p) => p.id),
      learners: [],
      addresses: Object.fromEntries(opts.peers.map((p) => [p.id, p.address])),
    };
    const { storage, initial, truncatedBytes } = await DiskStorage.open(opts.dataDir, bootstrap, {
      preallocateBytes: opts.walPreallocateBytes ?? 0,
    });
    if (truncatedBytes > 0) opts.logger?.warn({ truncatedBytes }, "raft: truncated a torn log tail");
    if (initial.snapshot) await opts.stateMachine.restore(initial.snapshot.data);
    const electionTick = opts.core?.electionTick ?? opts.electionTick ?? 10;
    const core = new RaftCore(
      {
        id: opts.id,
        electionTick,
        heartbeatTick: opts.heartbeatTick ?? 1,
        leaseMs: opts.leaseReads ? leaseMs(opts.tickMs ?? DEFAULT_TICK_MS, electionTick) : 0,
        ...opts.core,
      },
      initial,
    );
    return new RaftNode(opts, core, storage);
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      this.core.tick();
      this.schedule();
    }, this.tickMs);
    this.schedule();
  }

  /** A message from a peer (called by the gRPC server). */
  receive(m: Message): void {
    if (this.stopped || m.to !== this.id) return;
    this.core.step(m);
    this.schedule();
  }

  // ---- client API ----------------------------------------------------------------------------

  /** Replicates `data`; resolves with the state machine's result once it is committed and applied here. */
  propose(data: Uint8Array): Promise<R> {
    return this.enqueue(data, "normal");
  }

  /** Resolves when local state reflects every write committed before the call (ReadIndex). */
  readBarrier(timeoutMs = 3000): Promise<void> {
    if (this.stopped) return Promise.reject(new RaftError("STOPPED", "node stopped"));
    const leased = this.core.leaseReadIndex();
    if (leased !== undefined && !this.applying && this.applied >= leased) return Promise.resolve();
    const ctx = `${this.id}:${++this.readSeq}`;
    if (!this.core.readIndex(ctx)) return Promise.reject(this.notLeader());
    this.schedule();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reads.delete(ctx);
        reject(new RaftError("TIMEOUT", "read index timed out"));
      }, timeoutMs);
      this.reads.set(ctx, { resolve, reject, timer });
    });
  }

  /** A linearizable read: waits for the read barrier, then runs `fn` against local state. */
  async read<T>(fn: () => T): Promise<T> {
    await this.readBarrier();
    return fn();
  }

  /** Index of the last entry applied here (cheap; status() builds the whole peer list). */
  get appliedIndex(): number {
    return this.applied;
  }

  status(): RaftStatus {
    const c = this.core;
    const peers: PeerStatus[] = [...c.conf.voters, ...c.conf.learners].map((id) => {
      const pr = c.progress.get(id);
      return {
        id,
        address: this.addresses[id] ?? "",
        matchIndex: pr?.match ?? 0,
        nextIndex: pr?.next ?? 0,
        learner: c.conf.learners.includes(id),
      };
    });
    return {
      id: this.id,
      role: c.role,
      term: c.term,
      leaderId: c.leader,
      leaderAddress: this.addresses[c.leader] ?? "",
      commitIndex: c.log.committed,
      appliedIndex: this.applied,
      peers,
    };
  }

  async addNode(id: NodeId, address: string, learner = true): Promise<void> {
    await this.changeMembership({ type: learner ? "addLearner" : "addVoter", id, address });
  }

  async removeNode(id: NodeId): Promise<void> {
    await this.changeMembership({ type: "removeNode", id, address: "" });
  }

  /** Hands leadership to `to`; resolves true once it is leader, false after an election timeout. */
  async transferLeadership(to: NodeId, timeoutMs = 2000): Promise<boolean> {
    if (!this.core.transferLeadership(to)) return false;
    this.schedule();
    const end = Date.now() + timeoutMs;
    while (Date.now() < end && !this.stopped) {
      if (this.core.leader === to) return true;
      await new Promise((r) => setTimeout(r, this.tickMs));
    }
    return this.core.leader === to;
  }

  /**
   * A snapshot of the applied state for a backup; the log is not compacted. Taken by the loop
   * between two Ready batches, where the state machine holds exactly the entries up to its index.
   */
  exportSnapshot(): Promise<Snapshot> {
    if (this.stopped) return Promise.reject(new RaftError("STOPPED", "node stopped"));
    return new Promise((resolve, reject) => {
      this.exports.push({ resolve, reject });
      this.schedule();
    });
  }

  /** Stops ticking, finishes the batch in flight, fails what is pending, closes disk and network. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.loopDone;
    await this.snapshotSave;
    const err = new RaftError("STOPPED", "node stopped");
    for (const q of this.queue) q.reject(err);
    this.queue = [];
    this.failPending(err);
    this.failExports(err);
    for (const r of this.reads.values()) {
      clearTimeout(r.timer);
      r.reject(err);
    }
    this.reads.clear();
    await this.transport.close();
    await this.storage.close();
  }

  // ---- the loop ------------------------------------------------------------------------------

  private async changeMembership(cc: ConfChange): Promise<void> {
    await this.enqueue(encodeConfChange(cc), "confChange");
  }

  private enqueue(data: Uint8Array, type: "normal" | "confChange"): Promise<R> {
    if (this.stopped) return Promise.reject(new RaftError("STOPPED", "node stopped"));
    if (this.core.role !== "leader") return Promise.reject(this.notLeader());
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ data, type, resolve, reject });
      this.schedule();
    });
  }

  private proposalError(err: unknown): Error {
    if (!(err instanceof ProposalError)) return err as Error;
    if (err.code === "NOT_LEADER") return this.notLeader();
    return new RaftError(err.code, err.message, err.leader, this.addresses[err.leader] ?? "");
  }

  private notLeader(): RaftError {
    const l = this.core.leader;
    return new RaftError(
      "NOT_LEADER",
      `not the leader; leader is ${l || "unknown"}`,
      l,
      this.addresses[l] ?? "",
    );
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.running || this.stopped) return;
      this.loopDone = this.loop();
    });
  }

  /** Moves queued proposals into the core as one append. */
  private flushProposals(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    if (this.core.role !== "leader") {
      for (const q of batch) q.reject(this.notLeader());
      return;
    }
    let normal: QueuedProposal<R>[] = [];
    const flushNormal = () => {
      for (let i = 0; i < normal.length; i += this.maxBatch) {
        const chunk = normal.slice(i, i + this.maxBatch);
        try {
          const at = this.core.proposeBatch(chunk.map((q) => q.data));
          chunk.forEach((q, j) => {
            this.pending.set(at.index + j, { term: at.term, resolve: q.resolve, reject: q.reject });
          });
        } catch (err) {
          for (const q of chunk) q.reject(this.proposalError(err));
        }
      }
      normal = [];
    };
    for (const q of batch) {
      if (q.type === "normal") {
        normal.push(q);
        continue;
      }
      flushNormal();
      try {
        const at = this.core.propose(q.data, "confChange");
        this.pending.set(at.index, { term: at.term, resolve: q.resolve, reject: q.reject });
      } catch (err) {
        q.reject(this.proposalError(err));
      }
    }
    flushNormal();
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      for (;;) {
        if (this.stopped) break;
        if (this.snapshotError !== undefined) throw this.snapshotError;
        if (this.exports.length > 0) await this.serveExports();
        this.flushProposals();
        if (!this.core.hasReady()) break;
        const rd = this.core.ready();
        await this.handleReady(rd);
      }
    } catch (err) {
      // A failed fsync or apply leaves the node in an unknown state: stop rather than continue.
      this.log.error({ err: String(err), id: this.id }, "raft: fatal error in the ready loop; stopping");
      this.stopped = true;
      if (this.timer) clearInterval(this.timer);
      const failed = new RaftError("STOPPED", `node failed: ${String(err)}`);
      this.failPending(failed);
      this.failExports(failed);
      for (const q of this.queue) q.reject(failed);
      this.queue = [];
      for (const r of this.reads.values()) {
        clearTimeout(r.timer);
        r.reject(failed);
      }
      this.reads.clear();
    } finally {
      this.running = false;
    }
    if (!this.stopped && (this.queue.length > 0 || this.core.hasReady())) this.schedule();
  }

  private async handleReady(rd: Ready): Promise<void> {
    if (this.snapshotError !== undefined) throw this.snapshotError;
    // A snapshot from the leader replaces the snapshot files: never alongside a local save.
    if (rd.snapshot && this.snapshotSave) await this.snapshotSave;
    const plan = planReady(rd);
    if (plan.sendBeforeWrite.length > 0) this.transport.send(plan.sendBeforeWrite);
    const persisted = this.storage.persist(rd);
    try {
      for (const e of plan.applyWhileWriting) await this.apply(e);
    } finally {
      await persisted;
    }
    // A snapshot can introduce members (and the leader) we have no address for yet.
    if (rd.snapshot) this.updateAddresses({ ...this.addresses, ...rd.snapshot.conf.addresses });
    if (plan.sendAfterWrite.length > 0) this.transport.send(plan.sendAfterWrite);

    if (rd.snapshot) {
      await this.sm.restore(rd.snapshot.data);
      this.applied = rd.snapshot.index;
    }
    for (const e of plan.applyAfterWrite) await this.apply(e);
    this.core.advance(rd);
    if (rd.committedEntries.some((e) => e.type === "confChange"))
      this.updateAddresses(this.core.conf.addresses);

    for (const rs of rd.readStates) this.readWaits.push({ index: rs.index, ctx: rs.context });
    this.releaseReads();
    this.onRoleChange(rd);
    await this.maybeSnapshot();
    if (this.autoPromote) this.maybePromoteLearners();
  }

  private async apply(e: Entry): Promise<void> {
    if (e.index <= this.applied) return;
    this.applied = e.index;
    const p = this.pending.get(e.index);
    if (p) this.pending.delete(e.index);
    if (e.type === "confChange") {
      if (p && p.term === e.term) p.resolve(undefined as R);
      else p?.reject(new RaftError("DROPPED", "membership change was superseded by another leader"));
      return;
    }
    if (e.data.length === 0) {
      // A leader's no-op (or an empty command): nothing for the state machine.
      if (p && p.term === e.term) p.resolve(undefined as R);
      else p?.reject(new RaftError("DROPPED", "proposal was superseded by another leader"));
      return;
    }
    const out = this.sm.apply({ index: e.index, term: e.term, data: e.data });
    let result: R;
    if (out instanceof Promise) {
      this.applying = true;
      try {
        result = await out;
      } finally {
        this.applying = false;
      }
    } else result = out;
    if (!p) return;
    if (p.term === e.term) p.resolve(result);
    else p.reject(new RaftError("DROPPED", "proposal was superseded by another leader"));
  }

  private releaseReads(): void {
    if (this.readWaits.length === 0) return;
    const still: { index: number; ctx: string }[] = [];
    for (const w of this.readWaits) {
      if (this.applied < w.index) {
        still.push(w);
        continue;
      }
      const r = this.reads.get(w.ctx);
      if (!r) continue;
      this.reads.delete(w.ctx);
      clearTimeout(r.timer);
      r.resolve();
    }
    this.readWaits = still;
  }

  private onRoleChange(rd: Ready): void {
    const isLeader = rd.role === "leader";
    if (this.wasLeader && !isLeader) {
      // Whatever we proposed may still commit under the next leader, or not: the caller must decide.
      this.failPending(new RaftError("LEADERSHIP_LOST", "leadership lost; outcome unknown", rd.leader));
      // Reads waiting on this leader's heartbeat round will never be confirmed.
      for (const r of this.reads.values()) {
        clearTimeout(r.timer);
        r.reject(new RaftError("LEADERSHIP_LOST", "leadership lost during read", rd.leader));
      }
      this.reads.clear();
      this.readWaits = [];
    }
    if (isLeader !== this.wasLeader)
      this.log.info({ id: this.id, term: rd.term, role: rd.role }, "raft: role change");
    this.wasLeader = isLeader;
  }

  private failPending(err: RaftError): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private async serveExports(): Promise<void> {
    const s = this.core.appliedSnapshot(await this.sm.snapshot());
    // The membership is ahead of the applied index (just restarted): served after a later Ready.
    if (!s) return;
    const waiting = this.exports;
    this.exports = [];
    for (const e of waiting) e.resolve(s);
  }

  private failExports(err: RaftError): void {
    for (const e of this.exports) e.reject(err);
    this.exports = [];
  }

  /**
   * Takes a snapshot every `snapshotEntries` applied entries. The state machine serialises inside
   * the loop (it must see exactly the applied state), but writing it (file, fsync, rename, fsync
   * dir) and dropping the covered segments run in the background while the loop goes on: until
   * that finishes the old snapshot and the log segments are still on disk, so a crash in between
   * recovers as before. One local snapshot at a time; a snapshot received from the leader waits for
   * it (handleReady), and so does stop().
   */
  private async maybeSnapshot(): Promise<void> {
    if (this.snapshotSave) return;
    const log = this.core.log;
    if (log.applied - log.snapshot.index < this.snapshotEntries) return;
    const data = await this.sm.snapshot();
    const s = this.core.compact(log.applied, data);
    if (!s) return;
    const save = this.storage.saveSnapshot(s).then(
      () => {
        this.snapshotSave = undefined;
      },
      (err: unknown) => {
        this.snapshotSave = undefined;
        // Like a failed fsync in the loop: the next Ready stops the node.
        this.snapshotError = err;
        this.schedule();
      },
    );
    this.snapshotSave = save;
  }

  private maybePromoteLearners(): void {
    const c = this.core;
    if (c.role !== "leader" || c.conf.learners.length === 0) return;
    for (const id of c.conf.learners) {
      const pr = c.progress.get(id);
      if (!pr || pr.match + 10 < c.log.committed) continue;
      try {
        const at = c.propose(
          encodeConfChange({ type: "addVoter", id, address: this.addresses[id] ?? "" }),
          "confChange",
        );
        this.log.info({ id: this.id, learner: id, index: at.index }, "raft: promoting caught-up learner");
      } catch {
        // another change is in flight; try again after it applies
      }
      return;
    }
  }

  private updateAddresses(addresses: Record<NodeId, string>): void {
    this.addresses = { ...addresses, [this.id]: this.addresses[this.id] ?? "" };
    this.transport.setPeers(this.addresses);
  }

  /** Current leader id (or "" when unknown). */
  leader(): NodeId {
    return this.core.leader === NONE ? "" : this.core.leader;
  }
}
