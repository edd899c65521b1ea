export interface SlidingWindowOptions {
  /** The longest window that may be counted: events older than this are dropped. */
  retentionMs: number;
  /** Most keys kept; past it the least recently recorded key is evicted. */
  maxKeys?: number;
  /** Most events kept per key; past it the key's oldest event is dropped (counts saturate there). */
  maxEventsPerKey?: number;
}

export const DEFAULT_MAX_KEYS = 100_000;
export const DEFAULT_MAX_EVENTS_PER_KEY = 1_000;

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function finiteTime(now: number): number {
  if (!Number.isFinite(now)) throw new RangeError(`time must be a finite number of ms, got ${now}`);
  return now;
}

/** First index in the ascending `list` whose value is > `t`. */
function upperBound(list: readonly number[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Timestamped events per key, counted over sliding windows of any length up to `retentionMs`.
 * An event recorded at `t` is inside a window of `w` ms at time `now` iff `now - w < t <= now`:
 * it leaves the window exactly at `t + w`.
 *
 * Memory is bounded whatever the traffic: at most `maxKeys` keys of at most `maxEventsPerKey`
 * events each. Pure bookkeeping: no timers, time is always passed in.
 */
export class SlidingWindowCounter {
  readonly retentionMs: number;
  readonly maxKeys: number;
  readonly maxEventsPerKey: number;
  /** Each list ascending. Map order = recording order, so the first key is the least recently recorded. */
  readonly #events = new Map<string, number[]>();
  #total = 0;

  constructor(options: SlidingWindowOptions) {
    this.retentionMs = positiveInteger("retentionMs", options.retentionMs);
    this.maxKeys = positiveInteger("maxKeys", options.maxKeys ?? DEFAULT_MAX_KEYS);
    this.maxEventsPerKey = positiveInteger(
      "maxEventsPerKey",
      options.maxEventsPerKey ?? DEFAULT_MAX_EVENTS_PER_KEY,
    );
  }

  /** Records one event for `key` at `now`. */
  record(key: string, now: number): void {
    finiteTime(now);
    let list = this.#events.get(key);
    if (list) this.#events.delete(key);
    else list = [];
    this.#events.set(key, list); // moved last: the most recently recorded key is evicted last
    this.#dropUpTo(list, now - this.retentionMs);
    // Sorted insert: callers' clocks are not guaranteed monotonic.
    list.splice(upperBound(list, now), 0, now);
    this.#total++;
    if (list.length > this.maxEventsPerKey) {
      list.shift();
      this.#total--;
    }
    if (this.#events.size > this.maxKeys) {
      const [oldestKey, oldest] = this.#events.entries().next().value as [string, number[]];
      this.#events.delete(oldestKey);
      this.#total -= oldest.length;
    }
  }

  /** Events of `key` in the window `(now - windowMs, now]`. */
  count(key: string, windowMs: number, now: number): number {
    finiteTime(now);
    if (!(windowMs > 0)) return 0;
    if (windowMs > this.retentionMs) {
      // Older events may already be gone: a longer window would silently undercount.
      throw new RangeError(`window ${windowMs} ms is longer than the retention ${this.retentionMs} ms`);
    }
    const list = this.#events.get(key);
    if (!list) return 0;
    return upperBound(list, now) - upperBound(list, now - windowMs);
  }

  /** Drops every event that no window can see any more, and keys left empty; returns how many events. */
  prune(now: number): number {
    finiteTime(now);
    const before = this.#total;
    for (const [key, list] of this.#events) {
      this.#dropUpTo(list, now - this.retentionMs);
      if (list.length === 0) this.#events.delete(key);
    }
    return before - this.#total;
  }

  /** Number of keys held. */
  get size(): number {
    return this.#events.size;
  }

  /** Number of events held, over all keys. */
  get totalEvents(): number {
    return this.#total;
  }

  /** Removes the events at or before `t` (they are outside every window of at most the retention). */
  #dropUpTo(list: number[], t: number): void {
    const n = upperBound(list, t);
    if (n > 0) {
      list.splice(0, n);
      this.#total -= n;
    }
  }
}
