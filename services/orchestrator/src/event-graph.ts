/**
 * Runs events as a dependency graph: every event starts as soon as all of its dependencies have
 * succeeded, independent events run concurrently, and the first failure of a required event
 * aborts the calls in flight (through their AbortSignal) and skips everything not yet started.
 * Every outcome that came back, failures included, is reported.
 */
export interface GraphEvent<T> {
  name: string;
  dependsOn: readonly string[];
  /** An optional event's failure is reported but cancels nothing. */
  optional?: boolean;
  run(signal: AbortSignal): Promise<EventValue<T>>;
}

/** What an event returns: ok=false is a rejection (a failure that came back with a reason). */
export interface EventValue<T> {
  ok: boolean;
  value: T;
}

export type EventOutcome<T> =
  | { status: "ok" | "rejected"; value: T; ms: number }
  | { status: "error"; error: unknown; ms: number }
  | { status: "cancelled"; ms: number }
  | { status: "skipped" };

export interface GraphResult<T> {
  outcomes: Map<string, EventOutcome<T>>;
  /** The event whose failure stopped the graph, if any. */
  firstFailure?: string;
}

export async function runEventGraph<T>(
  events: readonly GraphEvent<T>[],
  parent?: AbortSignal,
): Promise<GraphResult<T>> {
  const names = new Set(events.map((e) => e.name));
  for (const e of events) {
    for (const d of e.dependsOn)
      if (!names.has(d)) throw new Error(`event ${e.name} depends on unknown ${d}`);
  }
  const controller = new AbortController();
  const abortFromParent = () => controller.abort();
  parent?.addEventListener("abort", abortFromParent, { once: true });
  const outcomes = new Map<string, EventOutcome<T>>();
  const started = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let firstFailure: string | undefined;

  const launchReady = () => {
    if (controller.signal.aborted) return;
    for (const event of events) {
      if (started.has(event.name)) continue;
      if (!event.dependsOn.every((d) => outcomes.get(d)?.status === "ok")) continue;
      started.add(event.name);
      running.set(event.name, execute(event));
    }
  };

  const execute = async (event: GraphEvent<T>): Promise<void> => {
    const t0 = performance.now();
    let outcome: EventOutcome<T>;
    try {
      const result = await event.run(controller.signal);
      outcome = { status: result.ok ? "ok" : "rejected", value: result.value, ms: performance.now() - t0 };
    } catch (error) {
      outcome = controller.signal.aborted
        ? { status: "cancelled", ms: performance.now() - t0 }
        : { status: "error", error, ms: performance.now() - t0 };
    }
    outcomes.set(event.name, outcome);
    running.delete(event.name);
    if (
      outcome.status !== "ok" &&
      outcome.status !== "cancelled" &&
      !event.optional &&
      firstFailure === undefined
    ) {
      firstFailure = event.name;
      controller.abort();
    }
    launchReady();
  };

  launchReady();
  while (running.size > 0) await Promise.all(running.values());
  parent?.removeEventListener("abort", abortFromParent);
  for (const event of events) if (!outcomes.has(event.name)) outcomes.set(event.name, { status: "skipped" });
  return firstFailure === undefined ? { outcomes } : { outcomes, firstFailure };
}
