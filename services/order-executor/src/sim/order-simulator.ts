// Deterministic simulation of order execution (TigerBeetle's VOPR approach): executor nodes running
// the real coordinator (../two-phase-commit/coordinator.ts) and order state machine, and the real
// participant state machines (db-node's stock, payment's holds), over a virtual clock and a network
// that loses, duplicates and delays calls, while leaders crash, are cut off and replaced, and
// participants go down. Everything random comes from one seed, so a failing seed replays exactly.
//
// The executor cluster's Raft log is modelled, not simulated (Raft has its own simulator): one
// committed log; a leader's proposals commit in order after a delay; on a change of leader a random
// prefix of the old leader's uncommitted proposals commits and the rest is lost; a deposed leader
// that has not noticed keeps acting on what it had applied (its proposals never commit, its
// participant calls still arrive); a new leader may start before it has applied everything.
import { Rng } from "@bookstore/raft";
import { type Command, type CommandResult, type OrderPayload, OrderState } from "../order-state-machine.js";
import {
  type Action,
  type CallOutcome,
  Coordinator,
  type CoordinatorConfig,
  type CoordinatorView,
  type ParticipantCall,
} from "../two-phase-commit/coordinator.js";
import { simParticipants } from "./participants.js";

export interface OrderSimOptions {
  seed: number;
  executors: number;
  /** Orders arrive and faults happen during this time; then a calm period with neither. */
  durationMs: number;
  calmMs: number;
  orders: number;
  books: number;
  stockPerBook: number;
  faults: boolean;
}

export const defaultOrderSimOptions: OrderSimOptions = {
  seed: 1,
  executors: 3,
  durationMs: 2000,
  calmMs: 4000,
  orders: 30,
  books: 3,
  stockPerBook: 15,
  faults: true,
};

export const simCoordinatorConfig: CoordinatorConfig = {
  concurrency: 4,
  prepareTimeoutMs: 200,
  prepareAttempts: 4,
  retryBaseMs: 10,
  retryMaxMs: 120,
};
const CALL_TIMEOUT_MS = 60;
/** Participants ask the coordinator about a prepared transaction this long without a decision. */
const RESOLVE_AFTER_MS = 600;

export interface OrderSimResult {
  seed: number;
  ok: boolean;
  violation?: string;
  stats: {
    orders: number;
    completed: number;
    failed: number;
    leaders: number;
    /** Orders started by their own submit entry (a free slot at submission). */
    startedOnSubmit: number;
    calls: number;
    crashes: number;
    /** Failed orders by reason code. */
    reasons: Record<string, number>;
  };
}

export class OrderSimViolation extends Error {
  override name = "OrderSimViolation";
}

interface Executor {
  id: string;
  up: boolean;
  state: OrderState;
  coordinator: Coordinator;
  /** Term this node believes it leads in (stale when lower than the cluster's). */
  leads?: number;
  /** Applied entries of the committed log. */
  applied: number;
  /** This node applies nothing before this time (a new leader's no-op is not yet committed). */
  applyFrom: number;
  /** A follower learns of a commit this long after it (with the next append or heartbeat). */
  lagMs: number;
  /** Cut off from the others: it learns of no new commit. */
  isolated: boolean;
}

interface Proposal {
  term: number;
  proposer: Executor;
  command: Command;
  commitAt: number;
}

interface Event {
  at: number;
  seq: number;
  run: () => void;
}

export class OrderSimulator {
  private readonly rng: Rng;
  private now = 0;
  private seqNo = 0;
  /** Pending events as a binary min-heap on (at, seq). */
  private readonly events: Event[] = [];
  private readonly log: Command[] = [];
  /** When each entry of the log was committed. */
  private readonly committedAt: number[] = [];
  private inflight: Proposal[] = [];
  private term = 0;
  private leader: Executor | undefined;
  private electionAt = 0;
  private readonly executors: Executor[];
  private readonly participants: ReturnType<typeof simParticipants>;
  private readonly down = new Map<"stock" | "payment", number>();
  private readonly submitted = new Map<string, OrderPayload>();
  /** Orders whose submit entry is in the committed log. */
  private readonly accepted = new Set<string>();
  /** The first decision of each transaction in the committed log. */
  private readonly decided = new Map<string, "COMMIT" | "ABORT">();
  private readonly stats = {
    orders: 0,
    completed: 0,
    failed: 0,
    leaders: 0,
    startedOnSubmit: 0,
    calls: 0,
    crashes: 0,
    reasons: {} as Record<string, number>,
  };

  constructor(private readonly o: OrderSimOptions) {
    this.rng = new Rng(o.seed);
    this.executors = Array.from({ length: o.executors }, (_, i) => this.newExecutor(`ex${i + 1}`));
    this.participants = simParticipants(o.books, o.stockPerBook, o.seed);
  }

  run(): OrderSimResult {
    try {
      this.scheduleOrders();
      const end = this.o.durationMs + this.o.calmMs;
      for (this.now = 0; this.now <= end; this.now++) {
        if (this.now === this.o.durationMs) this.heal();
        this.tick(this.now < this.o.durationMs && this.o.faults);
      }
      this.checkOutcome();
      return { seed: this.o.seed, ok: true, stats: this.stats };
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      return {
        seed: this.o.seed,
        ok: false,
        violation: `${error.name}: ${error.message} (at ${this.now} ms)`,
        stats: this.stats,
      };
    }
  }

  // ---- one millisecond -------------------------------------------------------------------------

  private tick(faulty: boolean): void {
    this.runDueEvents();
    this.commitDue();
    for (const ex of this.executors) this.applyCommitted(ex);
    if (faulty) this.injectFaults();
    this.elect();
    for (const ex of this.executors) if (ex.up) this.drive(ex);
    if (this.now % 25 === 0) this.resolveStalePrepared();
  }

  private runDueEvents(): void {
    while (this.events.length > 0 && (this.events[0] as Event).at <= this.now) this.popEvent().run();
  }

  private at(delay: number, run: () => void): void {
    const h = this.events;
    h.push({ at: this.now + delay, seq: this.seqNo++, run });
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!earlier(h[i] as Event, h[parent] as Event)) break;
      [h[i], h[parent]] = [h[parent] as Event, h[i] as Event];
      i = parent;
    }
  }

  private popEvent(): Event {
    const h = this.events;
    const top = h[0] as Event;
    const last = h.pop() as Event;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && earlier(h[l] as Event, h[m] as Event)) m = l;
        if (r < h.length && earlier(h[r] as Event, h[m] as Event)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Event, h[i] as Event];
        i = m;
      }
    }
    return top;
  }

  // ---- the replicated log (modelled) --------------------------------------------------------------

  private propose(ex: Executor, command: Command): void {
    if (ex !== this.leader || ex.leads !== this.term) {
      // A deposed leader's proposal never commits; it learns so when its call times out.
      this.at(this.rng.int(5, 40), () => ex.coordinator.onProposalSettled(command, false));
      return;
    }
    const last = this.inflight.at(-1)?.commitAt ?? this.now;
    this.inflight.push({
      term: this.term,
      proposer: ex,
      command,
      commitAt: Math.max(last, this.now + this.rng.int(1, 4)),
    });
  }

  /** Appends a committed entry; true when it is a submit that starts its order (a new one). */
  private append(command: Command): boolean {
    this.log.push(command);
    this.committedAt.push(this.now);
    // The state machine starts an admitted order only if its submit is the first (never paused here).
    const starts = command.op === "submit" && command.start === true && !this.accepted.has(command.id);
    if (command.op === "submit") this.accepted.add(command.id);
    if (starts) this.stats.startedOnSubmit++;
    if (command.op === "decide" && !this.decided.has(command.txId))
      this.decided.set(command.txId, command.decision);
    return starts;
  }

  private commitDue(): void {
    while (this.inflight.length > 0 && (this.inflight[0] as Proposal).commitAt <= this.now) {
      const p = this.inflight.shift() as Proposal;
      const started = this.append(p.command);
      const proposer = p.proposer;
      this.at(1, () =>
        proposer.coordinator.onProposalSettled(p.command, proposer.leads === p.term && proposer.up, started),
      );
    }
  }

  private applyCommitted(ex: Executor, all = false): void {
    if (!ex.up || ex.isolated || (!all && this.now < ex.applyFrom)) return;
    const lag = all || ex === this.leader ? 0 : ex.lagMs;
    while (ex.applied < this.log.length && (this.committedAt[ex.applied] as number) + lag <= this.now) {
      ex.applied++;
      ex.state.execute(this.log[ex.applied - 1] as Command) satisfies CommandResult;
    }
  }

  /** A leader is gone: a random prefix of its uncommitted proposals commits, the rest is lost. */
  private depose(): void {
    const keep = this.rng.int(0, this.inflight.length);
    for (const p of this.inflight.slice(0, keep)) this.append(p.command);
    // Committed or not, the deposed proposer hears "leadership lost: outcome unknown".
    for (const p of this.inflight)
      this.at(this.rng.int(1, 30), () => p.proposer.coordinator.onProposalSettled(p.command, false));
    this.inflight = [];
    this.leader = undefined;
    this.electionAt = this.now + this.rng.int(20, 120);
  }

  private elect(): void {
    if (this.leader || this.now < this.electionAt) return;
    const candidates = this.executors.filter((ex) => ex.up && ex.leads === undefined);
    if (candidates.length === 0) return;
    const ex = this.rng.pick(candidates);
    this.term++;
    ex.leads = this.term;
    this.leader = ex;
    // It leads before it knows what is committed (until its no-op commits): it acts on what it had.
    ex.applyFrom = this.now + this.rng.int(0, 30);
    for (const other of this.executors) other.lagMs = this.rng.int(0, 50);
    this.stats.leaders++;
  }

  // ---- executors ---------------------------------------------------------------------------------

  private newExecutor(id: string): Executor {
    return {
      id,
      up: true,
      state: new OrderState(),
      coordinator: new Coordinator(simCoordinatorConfig),
      applied: 0,
      applyFrom: 0,
      lagMs: 0,
      isolated: false,
    };
  }

  private viewOf(ex: Executor): CoordinatorView {
    const s = ex.state;
    return {
      isLeader: ex.leads !== undefined,
      now: this.now,
      paused: s.paused,
      active: s.active.values(),
      pending: s.pending,
      job: (id) => s.jobs.get(id),
    };
  }

  private drive(ex: Executor): void {
    const actions = ex.coordinator.step(this.viewOf(ex));
    for (const action of actions) this.perform(ex, action);
  }

  private perform(ex: Executor, action: Action): void {
    if (action.type === "propose") {
      this.propose(ex, action.command);
      return;
    }
    this.checkPhaseTwoDecided(action.call);
    this.stats.calls++;
    this.send(ex, action.call);
  }

  /** Phase two is only ever sent for a decision that is in the committed log. */
  private checkPhaseTwoDecided(call: ParticipantCall): void {
    if (call.kind === "prepare") return;
    const want = call.kind === "commit" ? "COMMIT" : "ABORT";
    if (this.decided.get(call.tx.id) !== want) {
      throw new OrderSimViolation(`${call.kind} sent for ${call.tx.id} without that decision in the log`);
    }
  }

  // ---- participants over the network --------------------------------------------------------------

  private send(ex: Executor, call: ParticipantCall): void {
    let answered = false;
    const answer = (outcome: CallOutcome) => {
      if (answered) return;
      answered = true;
      ex.coordinator.onCallOutcome(call.id, outcome, this.now);
    };
    this.at(CALL_TIMEOUT_MS, () => answer({ type: "error", message: "timeout" }));
    if (this.rng.chance(0.05)) return; // request lost
    const deliveries = this.rng.chance(0.05) ? 2 : 1; // duplicated
    for (let i = 0; i < deliveries; i++) {
      this.at(this.rng.int(1, 15), () => {
        if ((this.down.get(call.participant) ?? -1) >= this.now) return;
        const outcome = this.participants[call.participant].handle(call, this.now);
        if (this.rng.chance(0.05)) return; // reply lost
        this.at(this.rng.int(1, 15), () => answer(outcome));
      });
    }
  }

  /** Participants' resolvers: a prepared transaction without a decision asks the coordinator. */
  private resolveStalePrepared(): void {
    const leader = this.leader;
    // GetDecision is a linearizable read: answered once the leader has applied everything committed.
    if (!leader?.up || leader.applied < this.log.length) return;
    for (const name of ["stock", "payment"] as const) {
      if ((this.down.get(name) ?? -1) >= this.now) continue;
      for (const tx of this.participants[name].stalePrepared(this.now, RESOLVE_AFTER_MS)) {
        const decision = leader.state.decisionOf(tx);
        if (decision !== "PENDING") this.participants[name].resolve(tx, decision, this.now);
      }
    }
  }

  // ---- workload and faults -------------------------------------------------------------------------

  private scheduleOrders(): void {
    for (let i = 0; i < this.o.orders; i++) {
      const payload = this.participants.payment.newOrder(`o${i}`, this.rng, this.o.books);
      this.submitted.set(payload.orderId, payload);
      const at = this.rng.int(0, Math.max(0, this.o.durationMs - 1));
      const submit = () => this.submit(payload);
      this.at(at, submit);
      if (this.rng.chance(0.1)) this.at(at + this.rng.int(1, 300), submit); // a client's retry
    }
    this.stats.orders = this.o.orders;
  }

  /** A client's SubmitJob: retried (same job id) until the order is in the log, as ExecutorClient does. */
  private submit(payload: OrderPayload): void {
    if (this.accepted.has(payload.orderId)) return;
    const leader = this.leader;
    if (leader?.up) {
      // As the runner does: an order that can run at once starts in its submit entry.
      const start = leader.coordinator.admit(this.viewOf(leader), payload.orderId);
      const command: Command = { op: "submit", id: payload.orderId, payload, at: this.now };
      this.propose(leader, start ? { ...command, start } : command);
    }
    this.at(this.rng.int(50, 150), () => this.submit(payload));
  }

  private injectFaults(): void {
    const r = this.rng.next();
    if (r < 0.002 && this.leader) {
      this.crash(this.leader);
    } else if (r < 0.004 && this.leader) {
      // Cut off: it keeps believing it leads for a while; the others elect another.
      const stale = this.leader;
      this.depose();
      stale.isolated = true;
      this.at(this.rng.int(50, 400), () => {
        stale.leads = undefined;
        stale.isolated = false;
      });
    } else if (r < 0.006) {
      const name = this.rng.pick(["stock", "payment"] as const);
      this.down.set(name, this.now + this.rng.int(20, 300));
    }
    for (const ex of this.executors) if (!ex.up && this.rng.chance(0.01)) this.restart(ex);
  }

  /** The faults end: crashed executors come back (with their log), participants are up. */
  private heal(): void {
    for (const ex of this.executors) if (!ex.up) this.restart(ex);
    this.down.clear();
  }

  private crash(ex: Executor): void {
    this.stats.crashes++;
    if (ex === this.leader) this.depose();
    ex.up = false;
    ex.leads = undefined;
  }

  /** Back with its durable log (the committed prefix it had) and nothing else. */
  private restart(ex: Executor): void {
    const fresh = this.newExecutor(ex.id);
    Object.assign(ex, { ...fresh, applyFrom: this.now + this.rng.int(0, 20) });
  }

  // ---- invariants ---------------------------------------------------------------------------------

  private checkOutcome(): void {
    const leader = this.leader;
    if (!leader) throw new OrderSimViolation("no leader after the calm period");
    this.applyCommitted(leader, true);
    for (const [id, payload] of this.submitted) {
      const job = leader.state.jobs.get(id);
      if (!job) throw new OrderSimViolation(`order ${id} was never accepted`);
      if (job.state !== "COMPLETED" && job.state !== "FAILED")
        throw new OrderSimViolation(`order ${id} is stuck ${job.state}`);
      const charged = this.participants.payment.tookEffect(job.txId);
      const taken = this.participants.stock.tookEffect(job.txId);
      if (charged !== taken)
        throw new OrderSimViolation(`order ${id}: charged ${charged}, stock taken ${taken}`);
      if ((job.state === "COMPLETED") !== charged)
        throw new OrderSimViolation(`order ${id} is ${job.state} but charged=${charged}`);
      if (charged && this.participants.payment.amount(job.txId) !== payload.totalCents) {
        throw new OrderSimViolation(`order ${id} captured a different amount than its total`);
      }
      if (job.state === "COMPLETED") this.stats.completed++;
      else {
        this.stats.failed++;
        const code = job.reason?.code ?? "NONE";
        this.stats.reasons[code] = (this.stats.reasons[code] ?? 0) + 1;
      }
    }
    for (const name of ["stock", "payment"] as const) {
      const open = this.participants[name].openCount();
      if (open > 0) throw new OrderSimViolation(`${name} still holds ${open} prepared transactions`);
    }
    const sold = new Map<string, number>();
    for (const job of leader.state.jobs.values()) {
      if (job.state !== "COMPLETED") continue;
      for (const l of job.payload.lines) sold.set(l.bookId, (sold.get(l.bookId) ?? 0) + l.quantity);
    }
    this.participants.stock.checkConservation(sold);
  }
}

function earlier(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export function runOrderSeed(seed: number, options: Partial<OrderSimOptions> = {}): OrderSimResult {
  return new OrderSimulator({ ...defaultOrderSimOptions, ...options, seed }).run();
}
