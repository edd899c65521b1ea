// Deterministic cluster simulator (TigerBeetle VOPR style): N cores over a fake network and a virtual
// clock, with loss, duplication, reordering, partitions, crashes and restarts from "disk", while
// clients run puts and linearizable gets. Invariants are checked after every step; the client
// history is checked for linearizability at the end. Everything random comes from one seed.
import { ProposalError, RaftCore } from "../core/raft.js";
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  Ready,
  Snapshot,
} from "../core/types.js";
import { encodeConfChange, NONE } from "../core/types.js";
import { leaseMs } from "../node/lease.js";
import { planReady, type ReadyPlan } from "../node/ready-plan.js";
import { FakeNetwork, type NetworkFaults } from "./fake-network.js";
import { encodeKv, KvStateMachine } from "./kv-state-machine.js";
import { checkLinearizable, type Operation } from "./linearizability.js";
import { Rng } from "./random.js";

export interface SimOptions {
  seed: number;
  nodes: number;
  /** Virtual time with faults, then a calm period to let the cluster converge. */
  durationMs: number;
  calmMs: number;
  tickMs: number;
  electionTick: number;
  clients: number;
  keys: number;
  /** Take a snapshot and compact once this many entries are applied past the last one. */
  snapshotEvery: number;
  faults: boolean;
  /** Propose membership changes as one of the faults. */
  membership: boolean;
  /** Leader leases for reads; by default chosen per seed (half the runs with check-quorum). */
  leaseReads?: boolean;
  /** Check log matching across all nodes every this many ms. */
  fullCheckEveryMs: number;
  /**
   * Called once the faults have healed, before the calm period. A test hook: keeping a majority
   * down here must make the run fail its liveness check.
   */
  afterHeal?: (sim: Simulator) => void;
}

export const defaultSimOptions: SimOptions = {
  seed: 1,
  nodes: 3,
  durationMs: 3000,
  calmMs: 2000,
  tickMs: 10,
  electionTick: 10,
  clients: 3,
  keys: 3,
  snapshotEvery: 40,
  faults: true,
  membership: true,
  fullCheckEveryMs: 1,
};

export interface SimStats {
  leaders: number;
  maxTerm: number;
  committed: number;
  opsOk: number;
  opsUnknown: number;
  crashes: number;
  snapshotsSent: number;
  confChanges: number;
  /** 1 when the linearizability search hit its state budget (counted, not a violation). */
  inconclusive: number;
  /** Virtual ms from the heal to the first client operation answered. */
  recoveryMs: number;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  violation?: string;
  stats: SimStats;
}

export class SimViolation extends Error {
  override name = "SimViolation";
}

interface Disk {
  hard: HardState;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

type CallOutcome = "ok" | "dropped" | "lost" | "timeout";

interface PendingProposal {
  term: number;
  op: Operation;
  end: (o: CallOutcome) => void;
}

export class SimNode {
  up = true;
  core: RaftCore;
  kv = new KvStateMachine();
  disk: Disk = { hard: { term: 0, vote: NONE, commit: 0 }, snapshot: undefined, entries: [] };
  proposals = new Map<number, PendingProposal>();
  reads = new Map<string, (index: number) => void>();
  readWaits: { index: number; fn: () => void }[] = [];
  lastLeaderTerm = 0;
  incarnation = 0;
  /** A Ready handed out whose persistence has not finished yet, with its plan. */
  inflight: { rd: Ready; plan: ReadyPlan; doneAt: number } | undefined;
  phase: number;
  /**
   * A stalled process (a long GC pause, a stopped VM): until then it neither ticks nor handles
   * anything; what arrives meanwhile waits in `held`.
   */
  pausedUntil = 0;
  held: Message[] = [];

  constructor(
    readonly id: NodeId,
    private readonly makeCore: (id: NodeId, disk: Disk) => RaftCore,
    phase: number,
  ) {
    this.phase = phase;
    this.core = makeCore(id, this.disk);
  }

  restart(): void {
    this.up = true;
    this.incarnation++;
    this.core = this.makeCore(this.id, {
      hard: { ...this.disk.hard },
      snapshot: this.disk.snapshot,
      entries: [...this.disk.entries],
    });
    this.kv = new KvStateMachine();
    if (this.disk.snapshot) this.kv.restore(this.disk.snapshot.data);
  }

  crash(): void {
    this.up = false;
    this.pausedUntil = 0;
    this.held = [];
    this.inflight = undefined;
    this.proposals.clear();
    this.reads.clear();
    this.readWaits = [];
  }
}

interface Client {
  id: number;
  busy: boolean;
  nextAt: number;
  target: NodeId;
  seq: number;
  /** Ends the call in flight (see Simulator.track), and the node it went to. */
  pending?: (o: CallOutcome) => void;
  pendingOn?: NodeId;
}

export class Simulator {
  readonly opts: SimOptions;
  readonly rng: Rng;
  readonly net: FakeNetwork;
  readonly ids: NodeId[];
  readonly nodes = new Map<NodeId, SimNode>();
  now = 0;
  readonly history: Operation[] = [];
  readonly stats: SimStats = {
    leaders: 0,
    maxTerm: 0,
    committed: 0,
    opsOk: 0,
    opsUnknown: 0,
    crashes: 0,
    snapshotsSent: 0,
    confChanges: 0,
    inconclusive: 0,
    recoveryMs: -1,
  };
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** Every entry known applied anywhere, by index: all nodes must apply the same one. */
  private readonly appliedAt = new Map<number, Entry>();
  private maxCommitted = 0;
  /**
   * The term of the leader that first committed each index: Raft owes an entry only to the leaders
   * of later terms (a candidate of an older term can still win with votes that were long delayed).
   */
  private readonly commitTerm = new Map<number, number>();
  private commitTermUpTo = 0;
  private readonly clients: Client[] = [];
  private nextFaultAt = 0;
  /** Upper bound of the gap between faults; drawn per seed so some runs are much harsher. */
  private faultGap = 400;
  /** Probability a node crashes between sending its leader messages and its fsync. */
  crashDuringSync = 0;
  /** Longest simulated fsync in ms (0 = persistence completes within the step). */
  private fsyncMax = 0;
  private readonly bootstrap: ConfState;
  readonly variant: { preVote: boolean; checkQuorum: boolean; leaseReads: boolean };
  private readonly opTimeout: number;
  /** Set after the heal: from then on clients may start nothing new (the liveness check's drain). */
  private clientsStopped = false;
  /** From this virtual time on every client call must be answered (faults healed, cluster settled). */
  private answersRequiredFrom = Number.POSITIVE_INFINITY;
  private healedAt = Number.POSITIVE_INFINITY;

  constructor(options: Partial<SimOptions> = {}) {
    this.opts = { ...defaultSimOptions, ...options };
    this.rng = new Rng(this.opts.seed);
    const faults: NetworkFaults = this.opts.faults
      ? {
          loss: this.rng.next() * 0.1,
          duplicate: this.rng.next() * 0.05,
          minDelay: 1,
          maxDelay: this.rng.int(2, 25),
        }
      : { loss: 0, duplicate: 0, minDelay: 1, maxDelay: 3 };
    this.net = new FakeNetwork(this.rng, faults);
    this.opTimeout = this.rng.int(150, 800);
    // Cover the configuration space too: without check-quorum a cut-off leader lingers.
    this.variant = this.opts.faults
      ? { preVote: this.rng.chance(0.7), checkQuorum: this.rng.chance(0.7), leaseReads: false }
      : { preVote: true, checkQuorum: true, leaseReads: false };
    // Leader leases need check-quorum; half the runs that have it read from leases.
    if (this.opts.faults && this.variant.checkQuorum) this.variant.leaseReads = this.rng.chance(0.5);
    if (this.opts.leaseReads !== undefined) this.variant.leaseReads = this.opts.leaseReads;
    if (this.variant.leaseReads) this.variant.checkQuorum = true;
    this.ids = Array.from({ length: this.opts.nodes }, (_, i) => `n${i + 1}`);
    this.bootstrap = { voters: [...this.ids], learners: [], addresses: {} };
    if (this.opts.faults) {
      this.crashDuringSync = 0.002;
      this.fsyncMax = this.rng.int(0, 3);
    }
    for (const id of this.ids) this.addNode(id, this.bootstrap);
    for (let c = 0; c < this.opts.clients; c++) {
      this.clients.push({
        id: c,
        busy: false,
        nextAt: this.rng.int(0, 50),
        target: this.rng.pick(this.ids),
        seq: 0,
      });
    }
    this.faultGap = this.rng.int(100, 600);
    this.nextFaultAt = this.rng.int(100, 600);
  }

  /** Adds a node process; `bootstrap` is its initial membership (empty for a joining node). */
  addNode(id: NodeId, bootstrap: ConfState): SimNode {
    const rng = this.rng;
    const { electionTick } = this.opts;
    const { preVote, checkQuorum, leaseReads } = this.variant;
    const make = (nid: NodeId, disk: Disk) =>
      new RaftCore(
        {
          id: nid,
          electionTick,
          heartbeatTick: 1,
          random: () => rng.next(),
          maxInflight: 64,
          preVote,
          checkQuorum,
          leaseMs: leaseReads ? leaseMs(this.opts.tickMs, electionTick) : 0,
          now: () => this.now,
        },
        { hardState: disk.hard, snapshot: disk.snapshot, entries: disk.entries, bootstrap },
      );
    const node = new SimNode(id, make, this.rng.int(0, this.opts.tickMs - 1));
    this.nodes.set(id, node);
    if (!this.ids.includes(id)) this.ids.push(id);
    return node;
  }

  node(id: NodeId): SimNode {
    return this.nodes.get(id) as SimNode;
  }

  leader(): NodeId | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (n.up && n.core.role === "leader" && (!best || n.core.term > best.core.term)) best = n;
    }
    return best?.id;
  }

  /** Proposes a put on `id` if it is leader; the entry's position, or undefined. */
  propose(id: NodeId, key: string, value: string): { index: number; term: number } | undefined {
    const n = this.node(id);
    if (!n.up) return undefined;
    try {
      return n.core.propose(encodeKv({ op: "put", key, value }));
    } catch (err) {
      if (err instanceof ProposalError) return undefined;
      throw err;
    }
  }

  /** How many live nodes have applied the entry at (index, term). */
  appliedCount(index: number, term: number): number {
    let c = 0;
    for (const n of this.nodes.values()) {
      if (n.up && n.kv.appliedIndex >= index && n.core.log.applied >= index) {
        const e = this.appliedAt.get(index);
        if (e && e.term === term) c++;
      }
    }
    return c;
  }

  /** Runs until some node is leader (or `maxMs` passes). */
  runUntilLeader(maxMs = 3000): NodeId | undefined {
    const end = this.now + maxMs;
    while (this.now < end) {
      this.stepOnce(false, false);
      const l = this.leader();
      if (l) return l;
    }
    return undefined;
  }

  // ---- time ----------------------------------------------------------------------------------

  /** Advances virtual time by `ms`, one millisecond at a time. */
  run(ms: number, withClients = false, withFaults = false): void {
    const end = this.now + ms;
    while (this.now < end) this.stepOnce(withClients, withFaults);
  }

  private stepOnce(withClients: boolean, withFaults: boolean): void {
    this.now++;
    if (withFaults && this.now >= this.nextFaultAt) {
      this.injectFault();
      this.nextFaultAt = this.now + this.rng.int(20, this.faultGap);
    }
    for (const n of this.nodes.values()) {
      if (n.pausedUntil > 0 && this.now >= n.pausedUntil) this.resume(n);
      if (n.up && !this.paused(n) && (this.now + n.phase) % this.opts.tickMs === 0) n.core.tick();
    }
    for (const m of this.net.due(this.now)) {
      const n = this.nodes.get(m.to);
      if (!n?.up) continue;
      if (this.paused(n)) n.held.push(m);
      else {
        n.core.step(m);
        this.noteCommits(n);
      }
    }
    if (withClients) this.runClients();
    for (const n of this.nodes.values()) this.processReady(n);
    if (this.now % this.opts.fullCheckEveryMs === 0) this.checkLogs();
  }

  /** Runs each node's Ready loop until quiet (or a bound), as the real driver would. */
  processReady(n: SimNode): void {
    for (let rounds = 0; n.up && !this.paused(n) && rounds < 10; rounds++) {
      if (n.inflight) {
        // The batch's "fsync" is still running: messages keep arriving meanwhile, as in RaftNode.
        if (this.now < n.inflight.doneAt) return;
        const { rd, plan } = n.inflight;
        n.inflight = undefined;
        this.completeReady(n, rd, plan);
        continue;
      }
      if (!n.core.hasReady()) return;
      // RaftNode's plan: early sends, then the write, with already-durable entries applied meanwhile.
      const rd = n.core.ready();
      const plan = planReady(rd);
      for (const m of plan.sendBeforeWrite) this.send(m);
      for (const e of plan.applyWhileWriting) this.apply(n, e);
      const delay = this.fsyncMax > 0 ? this.rng.int(0, this.fsyncMax) : 0;
      n.inflight = { rd, plan, doneAt: this.now + delay };
    }
  }

  private completeReady(n: SimNode, rd: Ready, plan: ReadyPlan): void {
    if (this.rng.chance(this.crashDuringSync) && (rd.entries.length > 0 || rd.hardState)) {
      this.crash(n.id);
      return;
    }
    // Persist: snapshot, entries, hard state — one "fsync".
    const d = n.disk;
    if (rd.snapshot) {
      d.snapshot = rd.snapshot;
      d.entries = [];
    }
    if (rd.entries.length > 0) {
      const first = (rd.entries[0] as Entry).index;
      d.entries = d.entries.filter((e) => e.index < first);
      for (const e of rd.entries) d.entries.push(e);
    }
    if (rd.hardState) d.hard = { ...rd.hardState };
    for (const m of plan.sendAfterWrite) this.send(m);

    if (rd.role === "leader") this.onLeader(n, rd.term);
    if (rd.snapshot) n.kv.restore(rd.snapshot.data);
    for (const e of plan.applyAfterWrite) this.apply(n, e);
    n.core.advance(rd);
    this.noteCommits(n);
    for (const rs of rd.readStates) {
      const fn = n.reads.get(rs.context);
      if (fn) {
        n.reads.delete(rs.context);
        fn(rs.index);
      }
    }
    this.flushReadWaits(n);
    this.maybeCompact(n);
    if (n.core.log.committed > this.stats.committed) this.stats.committed = n.core.log.committed;
    if (n.core.term > this.stats.maxTerm) this.stats.maxTerm = n.core.term;
  }

  private send(m: Message): void {
    if (m.type === "snapshot") this.stats.snapshotsSent++;
    this.net.send(this.now, m);
  }

  private apply(n: SimNode, e: Entry): void {
    if (e.index <= n.kv.appliedIndex) return; // already in the restored snapshot
    const prior = this.appliedAt.get(e.index);
    if (prior === undefined) this.appliedAt.set(e.index, e);
    else if (prior.term !== e.term || prior.data !== e.data) {
      this.fail(`state machine safety: ${n.id} applied a different entry at index ${e.index}`);
    }
    if (e.index > this.maxCommitted) this.maxCommitted = e.index;
    if (e.type === "normal") n.kv.apply(e);
    else n.kv.appliedIndex = e.index;
    const p = n.proposals.get(e.index);
    if (p) {
      n.proposals.delete(e.index);
      p.end(p.term === e.term ? "ok" : "dropped");
    }
  }

  private flushReadWaits(n: SimNode): void {
    if (n.readWaits.length === 0) return;
    const still: { index: number; fn: () => void }[] = [];
    for (const w of n.readWaits) {
      if (n.kv.appliedIndex >= w.index) w.fn();
      else still.push(w);
    }
    n.readWaits = still;
  }

  private maybeCompact(n: SimNode): void {
    const applied = n.core.log.applied;
    if (applied - n.core.log.snapshot.index < this.opts.snapshotEvery) return;
    const s = n.core.compact(applied, n.kv.snapshot());
    if (!s) return;
    n.disk.snapshot = s;
    n.disk.entries = n.disk.entries.filter((e) => e.index > s.index);
  }

  // ---- faults --------------------------------------------------------------------------------

  crash(id: NodeId): void {
    const n = this.node(id);
    if (!n.up) return;
    this.stop(n);
    this.stats.crashes++;
  }

  /** Takes a node down; its clients' connections break, so their calls end with an unknown outcome. */
  private stop(n: SimNode): void {
    n.crash();
    for (const c of this.clients) if (c.pending && c.pendingOn === n.id) c.pending("lost");
  }

  restart(id: NodeId): void {
    const n = this.node(id);
    if (n.up) return;
    n.restart();
  }

  /** Stalls a node's process for `ms`: its clock keeps running, nothing else happens there. */
  pause(id: NodeId, ms: number): void {
    const n = this.node(id);
    if (n.up && !this.paused(n)) n.pausedUntil = this.now + ms;
  }

  private paused(n: SimNode): boolean {
    return n.pausedUntil > this.now;
  }

  /**
   * The stalled process runs again. What queued up for it comes in over the next milliseconds, as
   * from a socket's buffer: a client's request may be handled before the news of a newer leader.
   */
  private resume(n: SimNode): void {
    n.pausedUntil = 0;
    for (const m of n.held.splice(0)) this.net.send(this.now, m);
  }

  private injectFault(): void {
    const ids = this.ids;
    const down = ids.filter((id) => !this.node(id).up);
    const leader = this.leader();
    // Cuts accumulate until healed; heal often enough that the cluster is sometimes whole.
    if (this.rng.chance(0.3)) this.net.heal();
    switch (this.rng.int(0, 12)) {
      case 0:
        this.net.heal();
        if (down.length > 0) this.restart(this.rng.pick(down));
        break;
      case 1:
        this.net.isolate(this.rng.pick(ids), ids);
        break;
      case 2: {
        const side = ids.filter(() => this.rng.chance(0.5));
        this.net.partition(side, ids);
        break;
      }
      case 3:
        this.net.cut(this.rng.pick(ids), this.rng.pick(ids)); // asymmetric
        break;
      case 4:
      case 5:
        if (down.length < Math.floor((ids.length - 1) / 2) || this.rng.chance(0.2))
          this.crash(this.rng.pick(ids));
        break;
      case 6:
        if (leader) this.net.isolate(leader, ids);
        break;
      case 8:
        if (leader && this.opts.membership) this.changeMembership(leader);
        else if (down.length > 0) this.restart(this.rng.pick(down));
        break;
      case 9:
        if (leader) this.node(leader).core.transferLeadership(this.rng.pick(ids));
        break;
      case 7:
        if (leader && down.length < Math.floor((ids.length - 1) / 2)) this.crash(leader);
        break;
      case 10:
        // Mostly the leader, for longer than an election: its lease must not outlive the stall.
        this.pause(leader && this.rng.chance(0.7) ? leader : this.rng.pick(ids), this.rng.int(20, 400));
        break;
      default:
        if (down.length > 0) this.restart(this.rng.pick(down));
        break;
    }
  }

  /** Single-server membership changes: add a fresh learner, promote it, or remove a voter. */
  private changeMembership(leader: NodeId): void {
    const core = this.node(leader).core;
    const { voters, learners } = core.conf;
    let cc: ConfChange;
    if (learners.length > 0) {
      cc = { type: this.rng.chance(0.8) ? "addVoter" : "removeNode", id: learners[0] as NodeId, address: "" };
    } else if (
      voters.length <= this.opts.nodes - 1 ||
      (voters.length < this.opts.nodes + 1 && this.rng.chance(0.5))
    ) {
      const id = `n${this.ids.length + 1}`;
      this.addNode(id, { voters: [], learners: [], addresses: {} });
      cc = { type: "addLearner", id, address: "" };
    } else {
      cc = { type: "removeNode", id: this.rng.pick(voters), address: "" };
    }
    try {
      core.propose(encodeConfChange(cc), "confChange");
      this.stats.confChanges++;
    } catch (err) {
      if (!(err instanceof ProposalError)) throw err;
    }
  }

  // ---- clients -------------------------------------------------------------------------------

  private runClients(): void {
    if (this.clientsStopped) return;
    for (const c of this.clients) {
      if (c.busy || this.now < c.nextAt) continue;
      this.startOp(c);
    }
  }

  private retryLater(c: Client, hint?: NodeId): void {
    c.target = hint && hint !== NONE ? hint : this.rng.pick(this.ids);
    c.nextAt = this.now + this.rng.int(5, 30);
  }

  /**
   * Tracks a client's call on node `n` until it ends, once: answered ("ok"), refused because another
   * leader overwrote the proposal ("dropped"), connection lost when the node crashed ("lost"), or
   * no answer within the client's timeout ("timeout"; a liveness violation once faults have healed).
   */
  private track(
    c: Client,
    n: SimNode,
    kind: "put" | "get",
    onEnd: (o: CallOutcome) => void,
  ): (o: CallOutcome) => void {
    const call = this.now;
    c.busy = true;
    const end = (o: CallOutcome) => {
      if (c.pending !== end) return;
      c.pending = undefined;
      c.busy = false;
      onEnd(o);
      if (o === "ok" || o === "dropped") {
        if (o === "ok") this.answered();
        c.nextAt = this.now + this.rng.int(0, 20);
        return;
      }
      if (o === "timeout") this.unanswered(c, kind, n.id, call);
      this.retryLater(c);
    };
    c.pending = end;
    c.pendingOn = n.id;
    this.after(this.opTimeout, () => end("timeout"));
    return end;
  }

  private startOp(c: Client): void {
    // Sometimes talk to any node: exercises follower reads and stale leaders.
    if (this.rng.chance(0.25)) c.target = this.rng.pick(this.ids);
    const n = this.nodes.get(c.target);
    if (!n?.up) {
      this.retryLater(c);
      return;
    }
    if (this.paused(n)) {
      // The request waits in the stalled process's socket: handled as soon as it runs again.
      c.nextAt = n.pausedUntil + this.rng.int(0, 2);
      return;
    }
    const key = `k${this.rng.int(1, this.opts.keys)}`;
    if (this.rng.chance(0.5)) this.startPut(c, n, key);
    else this.startGet(c, n, key);
  }

  private startPut(c: Client, n: SimNode, key: string): void {
    const value = `c${c.id}-${c.seq++}`;
    let at: { index: number; term: number };
    try {
      at = n.core.propose(encodeKv({ op: "put", key, value }));
    } catch (err) {
      if (!(err instanceof ProposalError)) throw err;
      this.retryLater(c, err.leader);
      return;
    }
    const op: Operation = {
      client: c.id,
      key,
      kind: "put",
      value,
      call: this.now,
      ret: Number.POSITIVE_INFINITY,
    };
    this.history.push(op);
    const end = this.track(c, n, "put", (o) => {
      if (o === "ok") op.ret = this.now;
      // Overwritten by another leader: it never took effect, so it leaves the history.
      else if (o === "dropped") this.history.splice(this.history.indexOf(op), 1);
      else {
        // Outcome unknown: the put may still commit later; the checker allows both.
        this.stats.opsUnknown++;
        if (n.proposals.get(at.index)?.op === op) n.proposals.delete(at.index);
      }
    });
    n.proposals.set(at.index, { term: at.term, op, end });
  }

  private startGet(c: Client, n: SimNode, key: string): void {
    const ctx = `${n.id}/${n.incarnation}/${c.id}/${c.seq++}`;
    // RaftNode's fast path: inside the leader's lease, with that much applied, answered at once.
    const leased = n.core.leaseReadIndex();
    const atOnce = leased !== undefined && n.kv.appliedIndex >= leased;
    if (!atOnce && !n.core.readIndex(ctx)) {
      this.retryLater(c);
      return;
    }
    const call = this.now;
    // A read that never answered has no effect: only answered ones enter the history.
    const end = this.track(c, n, "get", (o) => {
      if (o === "ok")
        this.history.push({ client: c.id, key, kind: "get", value: n.kv.get(key), call, ret: this.now });
      else n.reads.delete(ctx);
    });
    if (atOnce) end("ok");
    else n.reads.set(ctx, (index) => n.readWaits.push({ index, fn: () => end("ok") }));
  }

  private answered(): void {
    this.stats.opsOk++;
    if (this.stats.recoveryMs < 0 && this.now >= this.healedAt)
      this.stats.recoveryMs = this.now - this.healedAt;
  }

  /** A call that timed out: a liveness violation once the faults have healed and the cluster settled. */
  private unanswered(c: Client, kind: string, target: NodeId, call: number): void {
    if (call < this.answersRequiredFrom) return;
    this.fail(
      `liveness: client ${c.id}'s ${kind} to ${target} (called at ${call} ms) got no answer within ` +
        `${this.opTimeout} ms, ${call - this.healedAt} ms after the faults healed`,
    );
  }

  private timers: { at: number; fn: () => void }[] = [];

  private after(ms: number, fn: () => void): void {
    this.timers.push({ at: this.now + ms, fn });
  }

  private runTimers(): void {
    if (this.timers.length === 0) return;
    const due = this.timers.filter((t) => t.at <= this.now);
    if (due.length === 0) return;
    this.timers = this.timers.filter((t) => t.at > this.now);
    for (const t of due) t.fn();
  }

  // ---- invariants ----------------------------------------------------------------------------

  private fail(what: string): never {
    throw new SimViolation(`${what} (seed ${this.opts.seed}, t=${this.now}ms)`);
  }

  /** Election safety and leader completeness, checked whenever a node acts as leader. */
  private onLeader(n: SimNode, term: number): void {
    const prev = this.leaderOfTerm.get(term);
    if (prev === undefined) {
      this.leaderOfTerm.set(term, n.id);
      this.stats.leaders++;
    } else if (prev !== n.id) {
      this.fail(`election safety: ${prev} and ${n.id} both leaders in term ${term}`);
    }
    if (n.lastLeaderTerm === term) return;
    n.lastLeaderTerm = term;
    const log = n.core.log;
    for (let i = log.snapshot.index + 1; i <= this.maxCommitted; i++) {
      const c = this.appliedAt.get(i);
      if (!c || (this.commitTerm.get(i) ?? 0) >= term) continue;
      const mine = log.entry(i);
      if (!mine || mine.term !== c.term || mine.data !== c.data) {
        this.fail(`leader completeness: leader ${n.id} (term ${term}) lacks committed entry ${i}`);
      }
    }
  }

  /** Records which leader's term first committed each newly committed index. */
  private noteCommits(n: SimNode): void {
    const c = n.core;
    if (c.role !== "leader" || c.log.committed <= this.commitTermUpTo) return;
    for (let i = this.commitTermUpTo + 1; i <= c.log.committed; i++) this.commitTerm.set(i, c.term);
    this.commitTermUpTo = c.log.committed;
  }

  /** Log matching across every pair of live nodes, and committed prefixes agree with what was applied. */
  checkLogs(): void {
    const live = [...this.nodes.values()].filter((n) => n.up);
    for (const n of live) {
      const log = n.core.log;
      for (let i = log.snapshot.index + 1; i <= log.committed; i++) {
        const c = this.appliedAt.get(i);
        const mine = log.entry(i);
        if (c && mine && (c.term !== mine.term || c.data !== mine.data)) {
          this.fail(`committed entry ${i} on ${n.id} differs from the applied one`);
        }
      }
    }
    for (let a = 0; a < live.length; a++) {
      for (let b = a + 1; b < live.length; b++) {
        const la = (live[a] as SimNode).core.log;
        const lb = (live[b] as SimNode).core.log;
        const lo = Math.max(la.firstIndex(), lb.firstIndex());
        let hi = Math.min(la.lastIndex(), lb.lastIndex());
        while (hi >= lo && la.term(hi) !== lb.term(hi)) hi--;
        for (let i = hi; i >= lo; i--) {
          const ea = la.entry(i);
          const eb = lb.entry(i);
          if (!ea || !eb || ea.term !== eb.term || ea.data !== eb.data) {
            this.fail(
              `log matching: ${(live[a] as SimNode).id} and ${(live[b] as SimNode).id} differ at ${i} below ${hi}`,
            );
          }
        }
      }
    }
  }

  // ---- a whole run ---------------------------------------------------------------------------

  /** The standard randomized run: faults + clients, then heal and calm, then the final checks. */
  runScenario(): SimResult {
    try {
      const end = this.opts.durationMs;
      while (this.now < end) {
        this.stepOnce(true, this.opts.faults);
        this.runTimers();
      }
      this.heal();
      const calmEnd = this.now + this.opts.calmMs;
      while (this.now < calmEnd) {
        this.stepOnce(true, false);
        this.runTimers();
        if ((calmEnd - this.now) % 100 === 0) this.reconcileMembers();
      }
      this.checkLiveness();
      this.checkLogs();
      const lin = checkLinearizable(this.history);
      if (!lin.ok) this.fail(`linearizability: history of key ${lin.key} is not linearizable`);
      if (lin.inconclusive) this.stats.inconclusive = 1;
      return { seed: this.opts.seed, ok: true, stats: this.stats };
    } catch (err) {
      const violation = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return { seed: this.opts.seed, ok: false, violation, stats: this.stats };
    }
  }

  /**
   * Ends every fault: links and the lossy network healed, no more crashes, the members up again.
   * From half the calm period on, every client call must be answered.
   */
  private heal(): void {
    for (const n of this.nodes.values()) if (n.pausedUntil > 0) this.resume(n);
    this.net.heal();
    this.net.faults = { ...this.net.faults, loss: 0, duplicate: 0 };
    this.crashDuringSync = 0;
    this.reconcileMembers();
    this.healedAt = this.now;
    this.answersRequiredFrom = this.now + Math.floor(this.opts.calmMs / 2);
    this.opts.afterHeal?.(this);
  }

  /**
   * What an operator does after faults: every member of the latest configuration running, every
   * server removed from it stopped (one that never learnt of its removal would keep answering
   * clients with a leader it no longer has, and without pre-vote and check-quorum disrupt elections).
   */
  private reconcileMembers(): void {
    const members = this.latestMembers();
    for (const n of this.nodes.values()) {
      if (members.includes(n.id)) this.restart(n.id);
      else if (n.up) this.stop(n);
    }
  }

  /** The configuration of the node that knows the most committed entries. */
  private latestMembers(): NodeId[] {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (!best || n.core.log.committed > best.core.log.committed) best = n;
    }
    const conf = (best as SimNode).core.conf;
    return [...conf.voters, ...conf.learners];
  }

  /**
   * Liveness after the faults healed and a calm period: clients finish what they started (each
   * call answered), then — once a few heartbeats have carried the commit index — exactly one
   * leader, followed by every member in its term, and everything it committed applied on every
   * member. A cluster that never recovers fails here.
   */
  private checkLiveness(): void {
    this.clientsStopped = true;
    const drainEnd = this.now + this.opTimeout + 1;
    while (this.clients.some((c) => c.busy) && this.now < drainEnd) {
      this.stepOnce(true, false);
      this.runTimers();
    }
    const busy = this.clients.filter((c) => c.busy).map((c) => c.id);
    if (busy.length > 0) this.fail(`liveness: clients ${busy.join(", ")} still wait for an answer`);
    this.run(5 * this.opts.tickMs + 2 * this.net.faults.maxDelay);
    const leaders = [...this.nodes.values()].filter((n) => n.up && n.core.role === "leader");
    if (leaders.length !== 1) {
      this.fail(
        `liveness: ${leaders.length} leaders (${leaders.map((n) => n.id).join(", ")}) after the calm period`,
      );
    }
    const lead = leaders[0] as SimNode;
    const committed = lead.core.log.committed;
    if (committed < lead.core.log.lastIndex())
      this.fail(`liveness: leader ${lead.id} has entries after ${committed} it never committed`);
    for (const id of [...lead.core.conf.voters, ...lead.core.conf.learners]) {
      const n = this.nodes.get(id);
      if (!n?.up) this.fail(`liveness: member ${id} is down after the calm period`);
      if (n !== lead && (n.core.leader !== lead.id || n.core.term !== lead.core.term)) {
        this.fail(
          `liveness: ${id} follows "${n.core.leader}" in term ${n.core.term}, not ${lead.id} in term ${lead.core.term}`,
        );
      }
      if (n.kv.appliedIndex < committed)
        this.fail(`liveness: ${id} applied up to ${n.kv.appliedIndex} of ${committed} committed entries`);
    }
  }
}

export function runSeed(seed: number, options: Partial<SimOptions> = {}): SimResult {
  return new Simulator({ ...options, seed }).runScenario();
}
