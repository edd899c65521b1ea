// The Raft protocol as a pure state machine (etcd's raft.go): fed messages, ticks and proposals,
// it accumulates effects that `ready()` hands to a driver. No timers, sockets or files in here.
import { RaftLog } from "./log.js";
import { Progress } from "./progress.js";
import { committedIndex, isQuorum, voteResult } from "./quorum.js";
import { ReadOnly } from "./read-only.js";
import type {
  ConfChange,
  ConfState,
  Entry,
  EntryType,
  HardState,
  Message,
  MessageType,
  NodeId,
  ReadState,
  Ready,
  Role,
  Snapshot,
} from "./types.js";
import {
  decodeConfChange,
  emptyMessage,
  encodeConfChange,
  invariant,
  NONE,
  TRANSFER_CONTEXT,
} from "./types.js";

export interface RaftConfig {
  id: NodeId;
  /** Ticks without hearing from a leader before campaigning; randomised in [n, 2n). */
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxInflight: number;
  maxEntriesPerMessage: number;
  maxBytesPerMessage: number;
  /** Uniform [0, 1); seeded in the simulator so runs reproduce. */
  random: () => number;
  /**
   * Leader leases for reads (0 = off: every read confirms leadership with a heartbeat round). A
   * heartbeat round a quorum answered proves that, for `leaseMs` after it was sent, no other node can
   * win an election (the voters in it refuse votes while they hear from a leader), so reads in that
   * window are answered at once. Safe only when `leaseMs` stays below what a voter's election timer
   * guarantees in real time, `(electionTick - 2)` ticks, with the clock drift allowed for: the caller
   * derives it (RaftNode: leaseReads). Needs checkQuorum.
   */
  leaseMs: number;
  /** A monotonic clock in ms for leases (virtual time in the simulator). */
  now: () => number;
}

export const defaultConfig: Omit<RaftConfig, "id"> = {
  electionTick: 10,
  heartbeatTick: 1,
  preVote: true,
  checkQuorum: true,
  maxInflight: 256,
  maxEntriesPerMessage: 1024,
  maxBytesPerMessage: 1 << 20,
  random: Math.random,
  leaseMs: 0,
  now: () => performance.now(),
};

/** Durable state the core starts from (what storage recovered). */
export interface InitialState {
  hardState: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
  /** Membership before any snapshot or conf-change entry (the bootstrap cluster). */
  bootstrap: ConfState;
}

export class ProposalError extends Error {
  constructor(
    readonly code: "NOT_LEADER" | "TRANSFERRING" | "CONF_CHANGE_PENDING",
    readonly leader: NodeId,
  ) {
    super(code === "NOT_LEADER" ? `not the leader (leader: ${leader || "unknown"})` : code);
  }
}

type CampaignKind = "preElection" | "election" | "transfer";

const emptyData = new Uint8Array(0);

export class RaftCore {
  readonly id: NodeId;
  readonly log: RaftLog;
  term = 0;
  vote: NodeId = NONE;
  role: Role = "follower";
  leader: NodeId = NONE;
  conf: ConfState;
  /** Index of the last conf change reflected in `conf`. */
  private confIndex: number;
  readonly progress = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  leadTransferee: NodeId = NONE;
  private pendingConfIndex = 0;
  private readonly readOnly = new ReadOnly();
  /** Reads that arrived before this leader committed an entry of its own term. */
  private pendingReads: { context: string; from: NodeId }[] = [];
  /** The leader's lease runs until this time (RaftConfig.leaseMs). */
  private leaseUntil = Number.NEGATIVE_INFINITY;
  /**
   * Set once this leader sent TimeoutNow: the transferee's forced election ignores the voters'
   * leases, so no lease of this term can be trusted any more.
   */
  private leaseRevoked = false;
  private leaseRound = 0;
  /**
   * Ticks since this process started. With leases on, a node that just started refuses votes for as
   * long as a follower in lease would: before its restart it may have promised a leader exactly that.
   */
  private ticksSinceStart = 0;
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private prevHard: HardState;
  private readonly cfg: RaftConfig;

  constructor(cfg: Partial<RaftConfig> & { id: NodeId }, init: InitialState) {
    this.cfg = { ...defaultConfig, ...cfg };
    this.id = cfg.id;
    invariant(this.cfg.leaseMs === 0 || this.cfg.checkQuorum, "leader leases need check-quorum");
    const snap: Snapshot = init.snapshot ?? { index: 0, term: 0, conf: init.bootstrap, data: emptyData };
    this.log = new RaftLog(snap, init.entries, init.hardState.commit);
    this.term = init.hardState.term;
    this.vote = init.hardState.vote;
    this.conf = cloneConf(snap.conf);
    this.confIndex = snap.index;
    // Committed membership changes take effect now, before the entries are re-applied: a restarted
    // node must never campaign or count votes with an outdated configuration.
    for (let i = snap.index + 1; i <= this.log.committed; i++) {
      const e = this.log.entry(i);
      if (e?.type === "confChange") this.applyConfChange(decodeConfChange(e.data), i);
    }
    this.prevHard = this.hardState();
    this.becomeFollower(this.term, NONE);
  }

  // ---- public inputs -------------------------------------------------------------------------

  tick(): void {
    this.ticksSinceStart++;
    if (this.role === "leader") this.tickHeartbeat();
    else this.tickElection();
  }

  /** Appends a client command on the leader; returns where it will land if it commits. */
  propose(data: Uint8Array, type: EntryType = "normal"): { index: number; term: number } {
    if (this.role !== "leader") throw new ProposalError("NOT_LEADER", this.leader);
    if (this.leadTransferee !== NONE) throw new ProposalError("TRANSFERRING", this.leader);
    if (type === "confChange") {
      // One membership change at a time, and only after this leader's first entry is applied.
      if (this.pendingConfIndex > this.log.applied) throw new ProposalError("CONF_CHANGE_PENDING", this.id);
    }
    if (type === "confChange") {
      // `conf` is the configuration as of `applied`, and no other change is pending.
      const cc = decodeConfChange(data);
      data = encodeConfChange({ ...cc, conf: nextConf(this.conf, cc) });
    }
    const index = this.log.lastIndex() + 1;
    this.appendEntries([{ term: this.term, index, type, data }]);
    if (type === "confChange") this.pendingConfIndex = index;
    this.bcastAppend();
    return { index, term: this.term };
  }

  /** Several commands in one append (group commit from the driver). */
  proposeBatch(datas: Uint8Array[]): { index: number; term: number } {
    if (this.role !== "leader") throw new ProposalError("NOT_LEADER", this.leader);
    if (this.leadTransferee !== NONE) throw new ProposalError("TRANSFERRING", this.leader);
    const first = this.log.lastIndex() + 1;
    this.appendEntries(datas.map((data, i) => ({ term: this.term, index: first + i, type: "normal", data })));
    this.bcastAppend();
    return { index: first, term: this.term };
  }

  /** Starts a linearizable read; a ReadState with `context` comes out of a later Ready. */
  readIndex(context: string): boolean {
    if (this.role === "leader") {
      this.leaderReadIndex(context, this.id);
      return true;
    }
    if (this.leader === NONE) return false;
    const m = emptyMessage("readIndex", this.id, this.leader, this.term);
    m.context = context;
    this.send(m);
    return true;
  }

  /**
   * The index a read may be answered at right now from the leader's lease, without a Ready round
   * (the driver answers once it has applied that far); undefined when the lease cannot vouch.
   */
  leaseReadIndex(): number | undefined {
    if (this.role !== "leader" || this.log.term(this.log.committed) !== this.term) return undefined;
    return this.leaseValid() ? this.log.committed : undefined;
  }

  transferLeadership(to: NodeId): boolean {
    if (this.role !== "leader" || to === this.id || !this.conf.voters.includes(to)) return false;
    if (this.leadTransferee === to) return true;
    this.leadTransferee = to;
    this.electionElapsed = 0;
    const pr = this.progress.get(to) as Progress;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to);
    return true;
  }

  /** Starts an election now (tests, and bootstrap of a single node). */
  campaignNow(): void {
    if (this.role !== "leader") this.campaign(this.cfg.preVote ? "preElection" : "election");
  }

  step(m: Message): void {
    if (m.term > this.term) {
      if (m.type === "vote" || m.type === "preVote") {
        const force = m.context === TRANSFER_CONTEXT;
        // §6 / dissertation 4.2.3: a node that heard from a leader recently ignores disruptive votes.
        // One tick of slack: nodes' tick phases differ, and a peer that timed out must not be
        // ignored just because our own clock is a tick behind.
        const inLease =
          this.cfg.checkQuorum && this.leader !== NONE && this.electionElapsed < this.cfg.electionTick - 1;
        if (!force && (inLease || this.quietAfterStart())) return;
      }
      if (m.type === "preVote") {
        // A pre-vote never changes our term.
      } else if (m.type === "preVoteResponse" && !m.reject) {
        // Granted pre-votes carry the future term; the term moves only when a real election starts.
      } else if (m.type === "append" || m.type === "heartbeat" || m.type === "snapshot") {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === "heartbeat" || m.type === "append")) {
        // Tell a stale leader about the newer term so it steps down.
        this.send(emptyMessage("appendResponse", this.id, m.from, this.term));
      } else if (m.type === "preVote") {
        const r = emptyMessage("preVoteResponse", this.id, m.from, this.term);
        r.reject = true;
        this.send(r);
      }
      return;
    }

    if (m.type === "vote" || m.type === "preVote") {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case "leader":
        this.stepLeader(m);
        break;
      case "candidate":
      case "preCandidate":
        this.stepCandidate(m);
        break;
      case "follower":
        this.stepFollower(m);
        break;
    }
  }

  // ---- Ready ---------------------------------------------------------------------------------

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  hasReady(): boolean {
    const hs = this.hardState();
    return (
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.log.pendingSnapshot !== undefined ||
      this.log.stabled < this.log.lastIndex() ||
      this.log.committed > this.log.applied ||
      !sameHardState(hs, this.prevHard)
    );
  }

  ready(maxCommitted = 4096): Ready {
    const hs = this.hardState();
    const rd: Ready = {
      entries: this.log.unstableEntries(),
      committedEntries: this.log.nextCommitted(maxCommitted),
      messages: this.msgs,
      readStates: this.readStates,
      role: this.role,
      leader: this.leader,
      term: this.term,
    };
    if (!sameHardState(hs, this.prevHard)) rd.hardState = hs;
    if (this.log.pendingSnapshot) rd.snapshot = this.log.pendingSnapshot;
    this.msgs = [];
    this.readStates = [];
    return rd;
  }

  /** The driver persisted, sent and applied `rd`. */
  advance(rd: Ready): void {
    if (rd.hardState) this.prevHard = rd.hardState;
    if (rd.snapshot && this.log.pendingSnapshot === rd.snapshot) this.log.pendingSnapshot = undefined;
    const lastEnt = rd.entries[rd.entries.length - 1];
    if (lastEnt) this.log.stableTo(lastEnt.index, lastEnt.term);
    for (const e of rd.committedEntries) {
      if (e.index <= this.log.applied) continue;
      this.log.appliedTo(e.index);
      if (e.type === "confChange" && e.index > this.confIndex)
        this.applyConfChange(decodeConfChange(e.data), e.index);
    }
    if (this.role === "leader") {
      // The leader counts itself only for what it has durably written.
      const self = this.progress.get(this.id);
      if (self) self.maybeUpdate(this.log.stabled);
      if (this.maybeCommit()) this.bcastAppend();
    }
  }

  /** Log compaction after the state machine took a snapshot at `index` (≤ applied). */
  compact(index: number, data: Uint8Array): Snapshot | undefined {
    if (index <= this.log.snapshot.index) return undefined;
    const term = this.log.term(index);
    invariant(term !== undefined, "compaction index is in the log");
    invariant(index <= this.log.applied, "compact only applied entries");
    // The snapshot must carry the membership as of `index`; wait until it does.
    if (index < this.confIndex) return undefined;
    const s: Snapshot = { index, term, conf: cloneConf(this.conf), data };
    this.log.compact(s);
    return s;
  }

  /**
   * The applied state as a snapshot, the log left as it is (a backup). Undefined while the
   * membership is ahead of the applied index (just after a restart): a snapshot carries the
   * membership as of its own index.
   */
  appliedSnapshot(data: Uint8Array): Snapshot | undefined {
    const index = this.log.applied;
    if (index < this.confIndex) return undefined;
    const term = this.log.term(index);
    invariant(term !== undefined, "the applied index is in the log or its snapshot");
    return { index, term, conf: cloneConf(this.conf), data };
  }

  // ---- roles ---------------------------------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      invariant(term > this.term, "term never decreases");
      this.term = term;
      this.vote = NONE;
    }
    this.leader = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout =
      this.cfg.electionTick + Math.floor(this.cfg.random() * this.cfg.electionTick);
    this.votes = new Map();
    this.leadTransferee = NONE;
    this.readOnly.reset();
    this.pendingReads = [];
    this.leaseUntil = Number.NEGATIVE_INFINITY;
    this.leaseRevoked = false;
    this.resetProgress();
  }

  private resetProgress(): void {
    this.progress.clear();
    const next = this.log.lastIndex() + 1;
    for (const id of this.conf.voters) this.progress.set(id, new Progress(next, this.cfg.maxInflight, false));
    for (const id of this.conf.learners)
      this.progress.set(id, new Progress(next, this.cfg.maxInflight, true));
    const self = this.progress.get(this.id);
    if (self) self.match = this.log.stabled;
  }

  private becomeFollower(term: number, leader: NodeId): void {
    this.reset(term);
    this.role = "follower";
    this.leader = leader;
  }

  private becomePreCandidate(): void {
    invariant(this.role !== "leader", "leader cannot become pre-candidate");
    // Pre-candidates keep term and vote (dissertation §9.6).
    this.votes = new Map();
    this.role = "preCandidate";
    this.leader = NONE;
  }

  private becomeCandidate(): void {
    invariant(this.role !== "leader", "leader cannot become candidate");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
  }

  private becomeLeader(): void {
    invariant(this.role === "candidate", "only a candidate becomes leader");
    this.reset(this.term);
    this.role = "leader";
    this.leader = this.id;
    const self = this.progress.get(this.id);
    if (self) {
      self.becomeReplicate();
      self.match = this.log.stabled;
    }
    // A no-op entry of the new term commits everything before it (§5.4.2, §8).
    this.appendEntries([
      { term: this.term, index: this.log.lastIndex() + 1, type: "normal", data: emptyData },
    ]);
    // No conf change until that entry is applied (fixes the single-server change bug).
    this.pendingConfIndex = this.log.lastIndex();
  }

  private promotable(): boolean {
    return this.conf.voters.includes(this.id) && this.log.pendingSnapshot === undefined;
  }

  // ---- election (§5.2) -----------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.cfg.preVote ? "preElection" : "election");
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum && !this.checkQuorumActive()) {
        this.becomeFollower(this.term, NONE);
        return;
      }
      this.leadTransferee = NONE;
    }
    for (const [id, pr] of this.progress) {
      if (id !== this.id && pr.state === "snapshot" && ++pr.snapshotTicks > 4 * this.cfg.electionTick) {
        pr.becomeProbe(); // the snapshot was probably lost; try again
      }
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      if (this.cfg.leaseMs > 0) this.renewLease();
      else this.bcastHeartbeat(this.readOnly.lastContext() ?? "");
    }
  }

  /**
   * A heartbeat round that, once a quorum answers, extends the lease from the time it was sent. Like
   * a read's round, it also confirms every read queued before it.
   */
  private renewLease(): void {
    const context = `lease:${++this.leaseRound}`;
    this.readOnly.add(this.log.committed, context, NONE, this.id, this.cfg.now());
    this.bcastHeartbeat(context);
  }

  private leaseValid(): boolean {
    return (
      this.cfg.leaseMs > 0 &&
      !this.leaseRevoked &&
      this.leadTransferee === NONE &&
      this.cfg.now() < this.leaseUntil
    );
  }

  /** With leases on, a node that just started refuses votes as a follower in lease would. */
  private quietAfterStart(): boolean {
    return this.cfg.leaseMs > 0 && this.ticksSinceStart < this.cfg.electionTick - 1;
  }

  /** Check-quorum (§6.2 of the dissertation): a leader cut off from a majority steps down. */
  private checkQuorumActive(): boolean {
    const ok = isQuorum(
      this.conf.voters,
      (id) => id === this.id || this.progress.get(id)?.recentActive === true,
    );
    for (const [id, pr] of this.progress) if (id !== this.id) pr.recentActive = false;
    return ok;
  }

  private campaign(kind: CampaignKind): void {
    if (!this.promotable()) return;
    let type: MessageType;
    let term: number;
    if (kind === "preElection") {
      this.becomePreCandidate();
      type = "preVote";
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      type = "vote";
      term = this.term;
    }
    this.votes.set(this.id, true);
    const res = voteResult(this.conf.voters, this.votes);
    if (res === "won") {
      if (kind === "preElection") this.campaign("election");
      else this.becomeLeader();
      return;
    }
    for (const id of this.conf.voters) {
      if (id === this.id) continue;
      const m = emptyMessage(type, this.id, id, term);
      m.index = this.log.lastIndex();
      m.logTerm = this.log.lastTerm();
      if (kind === "transfer") m.context = TRANSFER_CONTEXT;
      this.send(m);
    }
  }

  private handleVoteRequest(m: Message): void {
    const respType = m.type === "vote" ? "voteResponse" : "preVoteResponse";
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.leader === NONE) ||
      (m.type === "preVote" && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // Pre-vote answers carry the candidate's future term so it can tell them apart.
      this.send(emptyMessage(respType, this.id, m.from, m.term));
      if (m.type === "vote") {
        invariant(this.vote === NONE || this.vote === m.from, "at most one vote per term");
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      const r = emptyMessage(respType, this.id, m.from, this.term);
      r.reject = true;
      this.send(r);
    }
  }

  private stepCandidate(m: Message): void {
    const myResp = this.role === "preCandidate" ? "preVoteResponse" : "voteResponse";
    switch (m.type) {
      case "append":
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case "heartbeat":
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case "snapshot":
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case "preVoteResponse":
      case "voteResponse": {
        if (m.type !== myResp) return;
        this.votes.set(m.from, !m.reject);
        const res = voteResult(this.conf.voters, this.votes);
        if (res === "won") {
          if (this.role === "preCandidate") this.campaign("election");
          else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (res === "lost") {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case "append":
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleAppend(m);
        return;
      case "heartbeat":
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleHeartbeat(m);
        return;
      case "snapshot":
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleSnapshot(m);
        return;
      case "timeoutNow":
        this.campaign("transfer");
        return;
      case "readIndexResponse":
        this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return;
    }
  }

  // ---- replication (§5.3) --------------------------------------------------------------------

  private appendEntries(ents: Entry[]): void {
    for (const e of ents) invariant(e.term === this.term, "a leader appends only entries of its own term");
    this.log.append(ents);
  }

  private handleAppend(m: Message): void {
    const r = emptyMessage("appendResponse", this.id, m.from, this.term);
    if (m.index < this.log.committed) {
      r.index = this.log.committed;
      this.send(r);
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      r.index = lastNew;
      this.send(r);
      return;
    }
    // Reject with a hint so the leader can skip a whole term of conflicting entries at once.
    const [hintIndex, hintTerm] = this.log.findConflictByTerm(
      Math.min(m.index, this.log.lastIndex()),
      m.logTerm,
    );
    r.reject = true;
    r.index = m.index;
    r.rejectHint = hintIndex;
    r.logTerm = hintTerm;
    this.send(r);
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    const r = emptyMessage("heartbeatResponse", this.id, m.from, this.term);
    r.context = m.context;
    this.send(r);
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot as Snapshot;
    const r = emptyMessage("appendResponse", this.id, m.from, this.term);
    if (s.index <= this.log.committed) {
      r.index = this.log.committed;
    } else if (this.log.matchTerm(s.index, s.term)) {
      // We already have the entries; just fast-forward the commit index.
      this.log.commitTo(s.index);
      r.index = this.log.committed;
    } else {
      this.log.restore(s);
      this.conf = cloneConf(s.conf);
      this.confIndex = s.index;
      this.resetProgress();
      r.index = this.log.lastIndex();
    }
    this.send(r);
  }

  private stepLeader(m: Message): void {
    if (m.type === "readIndex") {
      this.leaderReadIndex(m.context, m.from);
      return;
    }
    const pr = this.progress.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case "appendResponse":
        pr.recentActive = true;
        this.handleAppendResponse(m, pr);
        return;
      case "heartbeatResponse": {
        pr.recentActive = true;
        pr.probeSent = false;
        if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
        if (m.context === "") return;
        const acks = this.readOnly.recvAck(m.from, m.context);
        if (!acks || !isQuorum(this.conf.voters, (id) => acks.has(id))) return;
        for (const rs of this.readOnly.advance(m.context)) {
          if (this.cfg.leaseMs > 0) this.leaseUntil = Math.max(this.leaseUntil, rs.sentAt + this.cfg.leaseMs);
          if (rs.from !== NONE) this.releaseRead(rs.index, rs.context, rs.from);
        }
        return;
      }
      default:
        return;
    }
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    if (m.reject) {
      let next = m.rejectHint;
      if (m.logTerm > 0) next = this.log.findConflictByTerm(m.rejectHint, m.logTerm)[0];
      if (pr.maybeDecrTo(m.index, next)) {
        if (pr.state === "replicate") pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    // A probe answered at exactly the known match (e.g. the follower was already caught up) also
    // proves the match: switch to replicate rather than waiting for the next heartbeat.
    const probeConfirmed = pr.state === "probe" && pr.match === m.index;
    if (!pr.maybeUpdate(m.index) && !probeConfirmed) return;
    if (pr.state === "probe") pr.becomeReplicate();
    else if (pr.state === "snapshot" && pr.match + 1 >= this.log.firstIndex()) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === "replicate") pr.inflights.freeLE(m.index);

    if (this.maybeCommit()) this.bcastAppend();
    else if (wasPaused) this.sendAppend(m.from);
    // Pipeline: keep filling the window while there is something to send.
    while (this.sendAppend(m.from, false)) {}
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private maybeCommit(): boolean {
    const idx = committedIndex(this.conf.voters, (id) => this.progress.get(id)?.match ?? 0);
    const before = this.log.committed;
    if (!this.log.maybeCommit(idx, this.term)) return false;
    invariant(this.log.committed > before, "commit index never decreases");
    if (this.pendingReads.length > 0) {
      const reads = this.pendingReads;
      this.pendingReads = [];
      for (const r of reads) this.leaderReadIndex(r.context, r.from);
    }
    return true;
  }

  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.progress.get(to);
    if (!pr || to === this.id || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) return this.sendSnapshot(to, pr);
    const ents =
      pr.next <= this.log.lastIndex()
        ? this.log.slice(
            pr.next,
            this.log.lastIndex() + 1,
            this.cfg.maxEntriesPerMessage,
            this.cfg.maxBytesPerMessage,
          )
        : [];
    if (ents.length === 0 && !sendIfEmpty) return false;
    const m = emptyMessage("append", this.id, to, this.term);
    m.index = prevIndex;
    m.logTerm = prevTerm;
    m.entries = ents;
    m.commit = this.log.committed;
    this.send(m);
    const last = ents[ents.length - 1];
    if (pr.state === "replicate") {
      if (last) {
        pr.next = last.index + 1;
        pr.inflights.add(last.index);
      }
    } else if (pr.state === "probe") {
      pr.probeSent = true;
    }
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    const s = this.log.snapshot;
    const m = emptyMessage("snapshot", this.id, to, this.term);
    m.snapshot = s;
    pr.becomeSnapshot(s.index);
    this.send(m);
    return true;
  }

  private bcastAppend(): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(context: string): void {
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      const m = emptyMessage("heartbeat", this.id, id, this.term);
      // Never tell a follower to commit past what it is known to hold.
      m.commit = Math.min(pr.match, this.log.committed);
      m.context = context;
      this.send(m);
    }
  }

  private sendTimeoutNow(to: NodeId): void {
    this.leaseRevoked = true;
    this.send(emptyMessage("timeoutNow", this.id, to, this.term));
  }

  // ---- reads (§8) ----------------------------------------------------------------------------

  private leaderReadIndex(context: string, from: NodeId): void {
    if (this.log.term(this.log.committed) !== this.term) {
      // Until an entry of this term commits, the leader's commit index may be stale.
      this.pendingReads.push({ context, from });
      return;
    }
    const alone = this.conf.voters.length === 1 && this.conf.voters[0] === this.id;
    if (alone || this.leaseValid()) {
      this.releaseRead(this.log.committed, context, from);
      return;
    }
    this.readOnly.add(this.log.committed, context, from, this.id, this.cfg.now());
    this.bcastHeartbeat(context);
  }

  private releaseRead(index: number, context: string, from: NodeId): void {
    if (from === this.id) {
      this.readStates.push({ index, context });
    } else {
      const r = emptyMessage("readIndexResponse", this.id, from, this.term);
      r.index = index;
      r.context = context;
      this.send(r);
    }
  }

  // ---- membership (§6) -----------------------------------------------------------------------

  private applyConfChange(cc: ConfChange, index: number): void {
    this.conf = cc.conf ? cloneConf(cc.conf) : nextConf(this.conf, cc);
    const c = this.conf;
    this.confIndex = index;
    const next = this.log.lastIndex() + 1;
    for (const id of [...c.voters, ...c.learners]) {
      const pr = this.progress.get(id);
      if (pr) pr.isLearner = c.learners.includes(id);
      else this.progress.set(id, new Progress(next, this.cfg.maxInflight, c.learners.includes(id)));
    }
    for (const id of [...this.progress.keys()]) {
      if (!c.voters.includes(id) && !c.learners.includes(id)) this.progress.delete(id);
    }
    if (this.role !== "leader") return;
    if (!c.voters.includes(this.id)) {
      this.becomeFollower(this.term, NONE);
      return;
    }
    if (this.leadTransferee !== NONE && !c.voters.includes(this.leadTransferee)) this.leadTransferee = NONE;
    if (this.maybeCommit()) this.bcastAppend();
  }

  private send(m: Message): void {
    this.msgs.push(m);
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** The configuration after one single-server change. */
export function nextConf(conf: ConfState, cc: ConfChange): ConfState {
  const c = cloneConf(conf);
  const without = (xs: NodeId[]) => xs.filter((x) => x !== cc.id);
  switch (cc.type) {
    case "addVoter":
      c.learners = without(c.learners);
      if (!c.voters.includes(cc.id)) c.voters = [...c.voters, cc.id];
      c.addresses[cc.id] = cc.address;
      break;
    case "addLearner":
      if (!c.voters.includes(cc.id) && !c.learners.includes(cc.id)) c.learners = [...c.learners, cc.id];
      c.addresses[cc.id] = cc.address;
      break;
    case "removeNode":
      c.voters = without(c.voters);
      c.learners = without(c.learners);
      delete c.addresses[cc.id];
      break;
  }
  return c;
}

export function cloneConf(c: ConfState): ConfState {
  return { voters: [...c.voters], learners: [...c.learners], addresses: { ...c.addresses } };
}
