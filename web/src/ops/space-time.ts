// An order's history as a space-time diagram, laid out as pure data: one lane per process, time
// flowing to the right. The validation events are placed by their vector clocks: a point's column
// is the rank of the sum of its clock's entries, which never decreases along happened-before
// (if a → b then every entry of a ≤ b's and one is smaller), so every arrow points right, and
// events no clock orders (a and b, say) may share a column. The two-phase commit that executed
// the order follows, step by step from the coordinator's history.

export type Clock = Readonly<Record<string, number>>;

export interface ValidationEvent {
  event: string;
  service: string;
  status: string;
  sent?: Clock;
  received?: Clock;
  ms?: number;
}

export interface TwoPhaseCommit {
  history: { phase: string; at: string; note?: string }[];
  votes: { participant: string; yes: boolean; code?: string }[];
  decision?: string;
}

export interface LanePoint {
  lane: number;
  column: number;
}

export interface Mark extends LanePoint {
  label: string;
  /** Longer words for a tooltip. */
  title: string;
}

export interface Arrow {
  from: LanePoint;
  to: LanePoint;
  label: string;
  kind: "request" | "reply" | "two-phase-commit";
  /** A call that failed or was cancelled before it answered. */
  broken?: boolean;
}

export interface Diagram {
  lanes: string[];
  columns: number;
  marks: Mark[];
  arrows: Arrow[];
}

export const ORCHESTRATOR = "orchestrator";
const COORDINATOR = "order-executor";
const PARTICIPANTS: Record<string, string> = { stock: "db-node", payment: "payment" };
const SHORT: Record<string, string> = {
  orchestrator: "O",
  "transaction-verification": "TV",
  "fraud-detection": "FD",
  suggestions: "S",
};

/** "O3 TV2 FD1": a clock in few characters, the processes in a fixed order. */
export function clockText(clock: Clock): string {
  return Object.keys(clock)
    .sort((a, b) => (SHORT[a] ?? a).localeCompare(SHORT[b] ?? b))
    .map((p) => `${SHORT[p] ?? p}${clock[p]}`)
    .join(" ");
}

const weight = (clock: Clock) => Object.values(clock).reduce((a, b) => a + b, 0);

/** Columns for the clocks' weights: equal weights share a column, in increasing order. */
function columnsOf(events: ValidationEvent[]): Map<number, number> {
  const weights = new Set<number>();
  for (const e of events) {
    if (e.sent) weights.add(weight(e.sent));
    if (e.received) weights.add(weight(e.received));
  }
  // A reply arrives half a column after its event: before anything that follows from it.
  const sorted = [...weights].sort((a, b) => a - b);
  return new Map(sorted.map((w, i) => [w, i]));
}

function validation(events: ValidationEvent[], lanes: string[]): Omit<Diagram, "lanes"> {
  const column = columnsOf(events);
  const laneOf = (service: string) => {
    if (!lanes.includes(service)) lanes.push(service);
    return lanes.indexOf(service);
  };
  const marks: Mark[] = [];
  const arrows: Arrow[] = [];
  let last = 0;
  for (const e of events) {
    if (!e.sent) continue;
    const lane = laneOf(e.service);
    const sent = { lane: 0, column: column.get(weight(e.sent)) ?? 0 };
    // On the orchestrator's lane its own entry is enough; the full clock is in the tooltip.
    marks.push({
      ...sent,
      label: `O${e.sent[ORCHESTRATOR] ?? 0}`,
      title: `${e.event}: sent with ${clockText(e.sent)}`,
    });
    if (!e.received) {
      const to = { lane, column: sent.column + 0.5 };
      arrows.push({ from: sent, to, label: `${e.event} (${e.status})`, kind: "request", broken: true });
      last = Math.max(last, to.column);
      continue;
    }
    const handled = { lane, column: column.get(weight(e.received)) ?? 0 };
    const back = { lane: 0, column: handled.column + 0.5 };
    marks.push({
      ...handled,
      label: clockText(e.received),
      title: `${e.event} on ${e.service}: ${e.status}, ${clockText(e.received)}${e.ms === undefined ? "" : `, ${e.ms} ms`}`,
    });
    arrows.push({ from: sent, to: handled, label: e.event, kind: "request" });
    arrows.push({ from: handled, to: back, label: e.status, kind: "reply", broken: e.status !== "ok" });
    last = Math.max(last, back.column);
  }
  return { columns: events.length > 0 ? Math.ceil(last) + 1 : 0, marks, arrows };
}

/** The coordinator's steps after validation: submit, prepare, votes, decision, phase two, done. */
function twoPhaseCommit(tx: TwoPhaseCommit, lanes: string[], start: number): Omit<Diagram, "lanes"> {
  const lane = (name: string) => {
    if (!lanes.includes(name)) lanes.push(name);
    return lanes.indexOf(name);
  };
  const coordinator = lane(COORDINATOR);
  const participants = Object.values(PARTICIPANTS).map(lane);
  const marks: Mark[] = [];
  const arrows: Arrow[] = [];
  let column = start;
  const t0 = Date.parse(tx.history[0]?.at ?? "");
  arrows.push({
    from: { lane: 0, column },
    to: { lane: coordinator, column: column + 1 },
    label: "submit",
    kind: "two-phase-commit",
  });
  column += 1;
  for (const step of tx.history) {
    const at = Date.parse(step.at);
    const offset = Number.isNaN(at) || Number.isNaN(t0) ? "" : ` +${at - t0} ms`;
    marks.push({
      lane: coordinator,
      column,
      label: step.phase,
      title: `${step.phase}${offset}${step.note ? `: ${step.note}` : ""}`,
    });
    const send = (label: string) => {
      for (const p of participants) {
        arrows.push({
          from: { lane: coordinator, column },
          to: { lane: p, column: column + 1 },
          label,
          kind: "two-phase-commit",
        });
      }
    };
    if (step.phase === "PREPARING") {
      send("prepare");
      for (const v of tx.votes) {
        const p = lane(PARTICIPANTS[v.participant] ?? v.participant);
        const label = v.yes ? "yes" : `no${v.code ? ` ${v.code}` : ""}`;
        arrows.push({
          from: { lane: p, column: column + 1 },
          to: { lane: coordinator, column: column + 2 },
          label,
          kind: "reply",
          broken: !v.yes,
        });
      }
      column += 2;
    } else if (step.phase === "COMMITTING" || step.phase === "ABORTING") {
      send(step.phase === "COMMITTING" ? "commit" : "abort");
      column += 2;
    } else column += 1;
  }
  return { columns: column + 1, marks, arrows };
}

export function spaceTime(events: ValidationEvent[], tx: TwoPhaseCommit | undefined): Diagram {
  const lanes = [ORCHESTRATOR];
  const v = validation(events, lanes);
  if (!tx || tx.history.length === 0) return { lanes, ...v };
  const t = twoPhaseCommit(tx, lanes, v.columns);
  return { lanes, columns: t.columns, marks: [...v.marks, ...t.marks], arrows: [...v.arrows, ...t.arrows] };
}
