// Validates one order through the checkout services (ARCHITECTURE step 2): initialise the order on
// every service in parallel, then run the events of checkout-events.ts as a dependency graph, each
// call carrying the order's vector clock (order-clock.ts). The first failure cancels what is in
// flight; every answer that came back is reported (checkout-outcome.ts). An optional step runs as
// soon as the order is approved, alongside the events still running (placing the order does not
// wait for suggestions). Cleanup (step 4) follows without holding up the answer.
import type { CallSettings, Logger } from "@bookstore/kit";
import {
  APPROVAL_EVENT,
  type CheckoutClients,
  EVENT_STEPS,
  INIT_STEPS,
  type Reply,
} from "./checkout-events.js";
import type { CheckoutOrder } from "./checkout-order.js";
import { type CheckoutOutcome, classifyOutcome, toUnavailable, Unavailable } from "./checkout-outcome.js";
import { type GraphEvent, runEventGraph } from "./event-graph.js";
import { OrderCleanup } from "./order-cleanup.js";
import { OrderClock } from "./order-clock.js";

export type { CheckoutClients } from "./checkout-events.js";
export type { CheckoutOutcome } from "./checkout-outcome.js";
export { type EventTrace, PROCESS, type ServiceName } from "./order-clock.js";

export interface CheckoutSettings {
  /** Deadline of each call to a validation service. */
  callDeadlineMs: number;
  /** How many times a refused or failed ClearOrder is tried. */
  cleanupAttempts: number;
}

/** Runs once the order is approved, while optional events may still run. */
export type AfterApproval<P> = (signal: AbortSignal) => Promise<P>;

export class CheckoutFlow {
  private readonly cleanup: OrderCleanup;

  constructor(
    private readonly clients: CheckoutClients,
    private readonly settings: CheckoutSettings,
    logger: Logger,
  ) {
    this.cleanup = new OrderCleanup(
      clients,
      { deadlineMs: settings.callDeadlineMs, attempts: settings.cleanupAttempts },
      logger,
    );
  }

  async run<P = never>(order: CheckoutOrder, afterApproval?: AfterApproval<P>): Promise<CheckoutOutcome<P>> {
    const clock = new OrderClock();
    const controller = new AbortController();
    const settings = (signal: AbortSignal, idempotent = false): CallSettings => ({
      deadlineMs: this.settings.callDeadlineMs,
      signal,
      idempotent,
    });
    const steps = INIT_STEPS.filter((s) => s.service !== "suggestions" || this.clients.suggestions);
    const inits = await Promise.allSettled(
      steps.map((s) =>
        clock
          .call("init", s.service, controller.signal, (vc) =>
            s.send(this.clients, order, vc, settings(controller.signal, true)),
          )
          .catch((error: unknown) => Promise.reject(toUnavailable(s.service, error))),
      ),
    );
    const missing = inits.flatMap((r, i) =>
      r.status === "rejected" && steps[i]?.required ? [r.reason as Unavailable] : [],
    );
    const ready = new Set(steps.filter((_, i) => inits[i]?.status === "fulfilled").map((s) => s.service));
    const events: GraphEvent<Reply & { placement?: P }>[] = EVENT_STEPS.filter((e) =>
      ready.has(e.service),
    ).map((e) => ({
      name: e.name,
      dependsOn: e.dependsOn,
      ...(e.optional ? { optional: true } : {}),
      run: (signal) =>
        clock
          .call(e.label, e.service, signal, (vc) =>
            e.send(this.clients, { orderId: order.orderId, vectorClock: vc }, settings(signal)),
          )
          .then(
            (reply) => ({ ok: reply.ok, value: reply }),
            (error: unknown) => Promise.reject(signal.aborted ? error : toUnavailable(e.service, error)),
          ),
    }));
    if (afterApproval) events.push(approvalStep(afterApproval));
    const graph = missing.length > 0 ? undefined : await runEventGraph(events);
    this.cleanup.clear(order.orderId, clock.current, clock.participants);
    const known = { trace: clock.trace, finalClock: clock.current };
    const down = missing[0];
    if (down || !graph) {
      const reason = down ?? new Unavailable("transaction-verification", "initialisation failed");
      return { kind: "unavailable", service: reason.service, message: reason.message, ...known };
    }
    return classifyOutcome(graph, known);
  }
}

/** The caller's after-approval step as an event: after the last required event, cancelling nothing. */
function approvalStep<P>(run: AfterApproval<P>): GraphEvent<Reply & { placement?: P }> {
  return {
    name: "place",
    dependsOn: [APPROVAL_EVENT],
    optional: true,
    run: async (signal) => {
      const placement = await run(signal);
      return {
        ok: true,
        value: { ok: true, result: { ok: true, violations: [], vectorClock: undefined }, placement },
      };
    },
  };
}
