/**
 * Vector clocks: a map from process name to the number of events that process has seen.
 * Values are immutable; every operation returns a new clock. A missing entry means 0.
 */
export type VectorClock = Readonly<Record<string, number>>;

export type Ordering = "before" | "after" | "equal" | "concurrent";

export const empty: VectorClock = Object.freeze({});

/** A process name: what every clock key must look like (it also rules out `__proto__`). */
const PROCESS_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
/** More processes than any deployment has: a bound on what one message can make us store. */
export const MAX_PROCESSES = 64;

/** The entry of `process` (0 when missing); own entries only, never a prototype's property. */
export function entry(clock: VectorClock, process: string): number {
  return Object.hasOwn(clock, process) ? (clock[process] as number) : 0;
}

/** Records one local event of `process`. */
export function tick(clock: VectorClock, process: string): VectorClock {
  return { ...clock, [process]: entry(clock, process) + 1 };
}

/** Least upper bound: entry-wise maximum. */
export function merge(a: VectorClock, b: VectorClock): VectorClock {
  const out: Record<string, number> = { ...a };
  for (const [p, n] of Object.entries(b)) if (n > entry(out, p)) out[p] = n;
  return out;
}

/** Receiving a message: merge the sender's clock, then count the receive as a local event. */
export function receive(local: VectorClock, incoming: VectorClock, process: string): VectorClock {
  return tick(merge(local, incoming), process);
}

/** How `a` relates to `b` in the happened-before order. */
export function compare(a: VectorClock, b: VectorClock): Ordering {
  let less = false;
  let greater = false;
  for (const p of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = entry(a, p);
    const y = entry(b, p);
    if (x < y) less = true;
    else if (x > y) greater = true;
    if (less && greater) return "concurrent";
  }
  if (less) return "before";
  if (greater) return "after";
  return "equal";
}

/** a ≤ b: every event `a` knows of, `b` knows of too. */
export function lessOrEqual(a: VectorClock, b: VectorClock): boolean {
  const order = compare(a, b);
  return order === "before" || order === "equal";
}

export function concurrent(a: VectorClock, b: VectorClock): boolean {
  return compare(a, b) === "concurrent";
}

/** Canonical text form: entries sorted by process, zeros dropped, e.g. `{"fd":2,"tv":3}`. */
export function serialize(clock: VectorClock): string {
  const entries = Object.entries(clock)
    .filter(([, n]) => n !== 0)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return JSON.stringify(Object.fromEntries(entries));
}

/** Parses the text form, rejecting anything that is not a map of non-negative integers. */
export function deserialize(text: string): VectorClock {
  const parsed: unknown = JSON.parse(text);
  return fromEntries(parsed);
}

/**
 * Validates an untrusted value (e.g. a decoded protobuf map) as a clock: at most MAX_PROCESSES
 * entries, keys that look like process names, counters that are non-negative safe integers.
 * Messages quote an offending key escaped and cut short.
 */
export function fromEntries(value: unknown): VectorClock {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("vector clock must be an object mapping process names to counters");
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_PROCESSES) {
    throw new TypeError(`vector clock has ${entries.length} entries; at most ${MAX_PROCESSES} are accepted`);
  }
  const out: Record<string, number> = {};
  for (const [p, n] of entries) {
    if (!PROCESS_NAME.test(p)) {
      throw new TypeError(
        `vector clock key ${shown(p)} is not a process name (1-64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit)`,
      );
    }
    if (!Number.isSafeInteger(n) || (n as number) < 0) {
      throw new TypeError(`vector clock entry ${shown(p)} must be a non-negative integer`);
    }
    if ((n as number) > 0) out[p] = n as number;
  }
  return out;
}

/** A key as a message may show it: printable ASCII, at most 32 characters. */
function shown(key: string): string {
  const cut = key.length > 32 ? `${key.slice(0, 32)}…` : key;
  return JSON.stringify(cut).replace(/[^\x20-\x7e]/g, "?");
}

export { type ClearResult, OrderStateStore } from "./order-state-store.js";
