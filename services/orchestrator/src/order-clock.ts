// The orchestrator's side of the vector-clock protocol for one order: tick before every call,
// merge the clock of every reply, and keep a trace of each event with the clocks sent and received
// (GET /api/orders/:id shows it). A call that fails is traced as cancelled or error.
import type { VectorClock as WireClock } from "@bookstore/proto";
import { fromEntries, merge, tick, type VectorClock } from "@bookstore/vector-clock";
import type { EventOutcome } from "./event-graph.js";

export const PROCESS = "orchestrator";

export type ServiceName = "transaction-verification" | "fraud-detection" | "suggestions";

/** One step of the checkout as the orchestrator saw it, with the clocks sent and received. */
export interface EventTrace {
  event: string;
  service: ServiceName;
  status: EventOutcome<unknown>["status"];
  sent?: VectorClock;
  received?: VectorClock;
  ms?: number;
}

/** What a traced call returns: whether the service accepted the event, and its clock. */
export interface Clocked {
  ok: boolean;
  clock?: WireClock;
}

export class OrderClock {
  private clock: VectorClock = {};
  readonly trace: EventTrace[] = [];
  /** Services that saw the order (they get its cleanup). */
  readonly participants = new Set<ServiceName>();

  get current(): VectorClock {
    return this.clock;
  }

  /**
   * One call: tick, send the clock, merge the reply's. `send` gets the clock as it goes on the
   * wire; a failure is traced and rethrown.
   */
  async call<R extends Clocked>(
    event: string,
    service: ServiceName,
    signal: AbortSignal,
    send: (clock: { entries: Record<string, number> }) => Promise<R>,
  ): Promise<R> {
    this.clock = tick(this.clock, PROCESS);
    const sent = this.clock;
    const entry: EventTrace = { event, service, status: "ok", sent };
    this.trace.push(entry);
    this.participants.add(service);
    const t0 = performance.now();
    try {
      const reply = await send({ entries: { ...sent } });
      const received = fromEntries(reply.clock?.entries ?? {});
      this.clock = merge(this.clock, received);
      Object.assign(entry, { received, ms: performance.now() - t0, status: reply.ok ? "ok" : "rejected" });
      return reply;
    } catch (error) {
      entry.ms = performance.now() - t0;
      entry.status = signal.aborted ? "cancelled" : "error";
      throw error;
    }
  }
}
