// Availability, measured rather than assumed: for each fault window, the share of the operations
// invoked while it lasted that got a definite answer (ok, or a refusal that says why), and the time
// from the heal to the first operation that succeeded. Pure: history and windows in, rows out.
import type { Op } from "./history.js";
import type { FaultWindow } from "./nemesis.js";

export interface AvailabilityRow {
  label: string;
  windows: number;
  ops: number;
  answered: number;
  /** Milliseconds from each heal to the first success after it (faults with a success). */
  healToOk: number[];
  /** Milliseconds from each heal until the members it had taken away caught up (measured ones). */
  rejoin: number[];
  /** Faults after which those members had not caught up within the measuring time. */
  neverRejoined: number;
}

/** A definite answer: success, or a refusal carrying what the system decided. */
export function answered(op: Op): boolean {
  return op.type === "ok" || (op.type === "fail" && op.output !== undefined);
}

function firstOkAfter(sortedOk: Op[], t: number): number | undefined {
  let lo = 0;
  let hi = sortedOk.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sortedOk[mid] as Op).ret < t) lo = mid + 1;
    else hi = mid;
  }
  const op = sortedOk[lo];
  return op ? op.ret - t : undefined;
}

/** One row per fault kind (in first-seen order), then one for the time outside every fault. */
export function availabilityRows(ops: Op[], windows: FaultWindow[]): AvailabilityRow[] {
  const byCall = [...ops].sort((a, b) => a.call - b.call);
  const ok = ops.filter((o) => o.type === "ok").sort((a, b) => a.ret - b.ret);
  const rows = new Map<string, AvailabilityRow>();
  const inside = new Set<Op>();
  for (const w of windows) {
    const label = `${w.kind} (${w.cluster})`;
    const row = rows.get(label) ?? {
      label,
      windows: 0,
      ops: 0,
      answered: 0,
      healToOk: [],
      rejoin: [],
      neverRejoined: 0,
    };
    rows.set(label, row);
    row.windows++;
    for (const op of byCall) {
      if (op.call < w.start) continue;
      if (op.call >= w.heal) break;
      inside.add(op);
      row.ops++;
      if (answered(op)) row.answered++;
    }
    const after = firstOkAfter(ok, w.heal);
    if (after !== undefined) row.healToOk.push(after);
    if (w.rejoinMs !== undefined) row.rejoin.push(w.rejoinMs);
    else if (w.measuredRejoin) row.neverRejoined++;
  }
  const outside = ops.filter((o) => !inside.has(o));
  return [
    ...rows.values(),
    {
      label: "no fault",
      windows: 0,
      ops: outside.length,
      answered: outside.filter(answered).length,
      healToOk: [],
      rejoin: [],
      neverRejoined: 0,
    },
  ];
}

export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}
