// Runs the pure coordinator on this executor node: after every applied change, every participant
// answer and every tick it asks the coordinator what to do, then proposes its entries to Raft and
// makes its participant calls. Only the leader acts; the coordinator forgets everything local as
// soon as this node is not the leader.
import { type Logger, rpcSpan } from "@bookstore/kit";
import type { RaftNode } from "@bookstore/raft";
import { type Command, type CommandResult, encodeCommand, type OrderState } from "./order-state-machine.js";
import type { CallParticipant } from "./participant-clients.js";
import {
  type Action,
  Coordinator,
  type CoordinatorConfig,
  type CoordinatorView,
} from "./two-phase-commit/coordinator.js";
import { ProtocolViolation } from "./two-phase-commit/transaction.js";

type SubmitCommand = Extract<Command, { op: "submit" }>;

export interface RunnerOptions {
  node: RaftNode<CommandResult | undefined>;
  state: OrderState;
  config: CoordinatorConfig;
  call: CallParticipant;
  logger: Logger;
  /** Retries and deadlines are noticed this often while this node leads transactions in flight. */
  tickMs?: number;
  /**
   * Otherwise (a follower, or a leader with nothing in flight) it looks this often: only to notice
   * that it became the leader of transactions a previous leader left. Everything else that gives it
   * work (a submission, an applied entry, a participant's answer) runs a step at once.
   */
  idleTickMs?: number;
}

export class CoordinatorRunner {
  private readonly coordinator: Coordinator;
  private timer: NodeJS.Timeout | undefined;
  private timerMs = 0;
  private scheduled = false;
  private stopped = false;
  /** Stopping on purpose: no new order starts here (see drain). */
  private draining = false;

  constructor(private readonly o: RunnerOptions) {
    this.coordinator = new Coordinator(o.config);
  }

  start(): void {
    this.tick();
  }

  /** Each wake-up costs an idle process CPU, so an idle coordinator sleeps longer between them. */
  private tickPeriod(): number {
    const { node, state } = this.o;
    const busy = node.leader() === node.id && state.active.size > 0;
    return busy ? (this.o.tickMs ?? 20) : (this.o.idleTickMs ?? 100);
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerMs = this.tickPeriod();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.step();
    }, this.timerMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /**
   * Before a stop on purpose: starts no more orders and waits (at most `timeoutMs`) until every
   * transaction in flight here is decided, so the next leader drives them to the end instead of
   * presuming abort. Returns how many were still undecided (0 on a follower).
   */
  async drain(timeoutMs: number): Promise<number> {
    this.draining = true;
    this.schedule();
    const { node, state } = this.o;
    const undecided = () => [...state.active.values()].filter((tx) => tx.decision === undefined).length;
    const end = Date.now() + timeoutMs;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Starts proposed just before are not in `active` until they apply: give them that long.
    await sleep(50);
    while (node.leader() === node.id && undecided() > 0 && Date.now() < end && !this.stopped) await sleep(20);
    return node.leader() === node.id ? undecided() : 0;
  }

  /** Runs a step soon; many requests before it runs make one step. */
  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.step();
    });
  }

  /**
   * Proposes a SubmitJob's entry. An order that can run at once starts in that same entry: one
   * Raft round fewer between the submission and its prepares.
   */
  async submit(command: SubmitCommand): Promise<CommandResult | undefined> {
    const start = !this.stopped && this.coordinator.admit(this.view(), command.id);
    const proposed: SubmitCommand = start ? { ...command, start } : command;
    try {
      const r = await this.o.node.propose(encodeCommand(proposed));
      if (start) this.coordinator.onProposalSettled(proposed, true, r?.ok === true && r.tx !== undefined);
      return r;
    } catch (error) {
      if (start) this.coordinator.onProposalSettled(proposed, false);
      throw error;
    } finally {
      this.schedule();
    }
  }

  private view(): CoordinatorView {
    const { node, state } = this.o;
    return {
      isLeader: node.leader() === node.id,
      now: Date.now(),
      paused: state.paused || this.draining,
      active: state.active.values(),
      pending: state.pending,
      job: (id) => state.jobs.get(id),
    };
  }

  private step(): void {
    if (this.stopped) return;
    let actions: Action[];
    try {
      actions = this.coordinator.step(this.view());
    } catch (error) {
      // A broken protocol rule: stop coordinating rather than act on it (another leader takes over).
      if (!(error instanceof ProtocolViolation)) throw error;
      this.o.logger.fatal(
        { err: error },
        "two-phase commit invariant violated; this node stops coordinating",
      );
      this.stop();
      return;
    }
    for (const action of actions) this.perform(action);
    // Work that just arrived is watched at the short period from now on, not after a long sleep.
    if (!this.timer || this.timerMs !== this.tickPeriod()) this.tick();
  }

  private perform(action: Action): void {
    if (action.type === "propose") {
      const { command } = action;
      const endSpan = rpcSpan("client", `raft propose ${command.op}`, { orderId: orderOf(command) });
      this.o.node.propose(encodeCommand(command)).then(
        () => this.settle(command, true, endSpan),
        () => this.settle(command, false, endSpan),
      );
      return;
    }
    const { call } = action;
    void this.o.call(call).then((outcome) => {
      if (outcome.type === "error") {
        const level = call.kind === "prepare" ? "warn" : "error";
        this.o.logger[level](
          {
            orderId: call.job.id,
            txId: call.tx.id,
            participant: call.participant,
            kind: call.kind,
            err: outcome.message,
          },
          "participant call failed; retrying",
        );
      }
      this.coordinator.onCallOutcome(call.id, outcome, Date.now());
      this.schedule();
    });
  }

  private settle(command: Command, committed: boolean, endSpan: () => void): void {
    endSpan();
    this.coordinator.onProposalSettled(command, committed);
    this.schedule();
  }
}

/** The order a coordinator entry is about (for the RPC timeline). */
function orderOf(command: Command): string {
  if (command.op === "start") return command.jobId;
  if (command.op === "decide" || command.op === "finish") return command.txId.replace(/^tx-/, "");
  return "";
}
