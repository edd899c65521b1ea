// Linearizability checking of recorded histories against a sequential model: the Wing & Gong search
// as Lowe improved it and Porcupine implements it — the history's call and return events in one
// linked list, an explicit stack instead of recursion (histories of thousands of operations), and
// memoisation of (operations linearized, model state) so no configuration is explored twice.
// Keys are independent (P-compositionality), so callers check each key's history on its own.

/** A sequential specification: how one operation changes the state, and which answers it may give. */
export interface Model<S, I, O> {
  init: S;
  /**
   * The state after `input` answered `output` in `state`, or undefined if that answer is impossible
   * there. `output` is undefined when the outcome is unknown: the operation may have taken effect.
   */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** Equal for equal states (memoisation). */
  key(state: S): string;
}

export interface HistoryOp<I, O> {
  call: number;
  /** Infinity when the outcome is unknown (it may or may not have taken effect, at any later time). */
  ret: number;
  input: I;
  /** Undefined when the outcome is unknown. */
  output: O | undefined;
}

export type Verdict =
  | { result: "ok" }
  /** `blockedBy`: the operation whose return no order of the operations before it could explain. */
  | { result: "fail"; blockedBy: number }
  /** The search gave up after `maxStates` configurations (reported, not a violation). */
  | { result: "unknown" };

interface Event {
  op: number;
  isCall: boolean;
  time: number;
  /** The call's matching return event. */
  match: Event | undefined;
  prev: Event | undefined;
  next: Event | undefined;
}

/** The history as one doubly linked list of call and return events, in time order (a sentinel first). */
function eventList<I, O>(ops: HistoryOp<I, O>[]): Event {
  const events: Event[] = [];
  ops.forEach((o, op) => {
    const ret: Event = { op, isCall: false, time: o.ret, match: undefined, prev: undefined, next: undefined };
    events.push({ op, isCall: true, time: o.call, match: ret, prev: undefined, next: undefined }, ret);
  });
  // At equal times a call comes first: such operations count as concurrent.
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));
  const head: Event = { op: -1, isCall: false, time: -1, match: undefined, prev: undefined, next: undefined };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

function unlink(e: Event): void {
  (e.prev as Event).next = e.next;
  if (e.next) e.next.prev = e.prev;
}

function relink(e: Event): void {
  (e.prev as Event).next = e;
  if (e.next) e.next.prev = e;
}

/** Removes a call and its return from the list (the operation is linearized). */
function lift(call: Event): void {
  unlink(call);
  unlink(call.match as Event);
}

/** Undoes lift (dancing links: the events kept their neighbours). */
function unlift(call: Event): void {
  relink(call.match as Event);
  relink(call);
}

class Bits {
  private readonly words: Uint32Array;
  private readonly chars: Uint16Array;
  constructor(n: number) {
    this.words = new Uint32Array(Math.ceil(n / 32) || 1);
    this.chars = new Uint16Array(this.words.buffer);
  }
  set(i: number): void {
    this.words[i >>> 5] = (this.words[i >>> 5] ?? 0) | (1 << (i & 31));
  }
  clear(i: number): void {
    this.words[i >>> 5] = (this.words[i >>> 5] ?? 0) & ~(1 << (i & 31));
  }
  /** The set as a compact string (two UTF-16 units per 32 operations). */
  key(): string {
    return String.fromCharCode.apply(null, this.chars as unknown as number[]);
  }
}

export function checkOperations<S, I, O>(
  ops: HistoryOp<I, O>[],
  model: Model<S, I, O>,
  maxStates = 2_000_000,
): Verdict {
  const head = eventList(ops);
  const linearized = new Bits(ops.length);
  const seen = new Set<string>();
  const stack: { call: Event; state: S }[] = [];
  let state = model.init;
  let entry = head.next;
  // The return that stopped the deepest attempt: the most useful thing to show for a failure.
  let deepest = { depth: -1, op: -1 };
  while (head.next) {
    const e = entry as Event;
    if (e.isCall) {
      const op = ops[e.op] as HistoryOp<I, O>;
      const next = model.step(state, op.input, op.output);
      if (next !== undefined) {
        linearized.set(e.op);
        const k = `${linearized.key()}|${model.key(next)}`;
        if (!seen.has(k)) {
          seen.add(k);
          if (seen.size > maxStates) return { result: "unknown" };
          stack.push({ call: e, state });
          state = next;
          lift(e);
          entry = head.next;
          continue;
        }
        linearized.clear(e.op);
      }
      entry = e.next;
      continue;
    }
    // A return reached with its call still in the list: nothing placed so far explains it.
    if (stack.length > deepest.depth) deepest = { depth: stack.length, op: e.op };
    const top = stack.pop();
    if (!top) return { result: "fail", blockedBy: deepest.op };
    state = top.state;
    linearized.clear(top.call.op);
    unlift(top.call);
    entry = top.call.next;
  }
  return { result: "ok" };
}

/** Groups a history by key, for checking each key on its own. */
export function byKey<T extends { key: string }>(history: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const op of history) {
    const list = out.get(op.key);
    if (list) list.push(op);
    else out.set(op.key, [op]);
  }
  return out;
}

// ---- the simulator's register ------------------------------------------------------------------

export interface Operation {
  client: number;
  key: string;
  kind: "put" | "get";
  /** Value written (put) or value observed (get; undefined = absent). */
  value: string | undefined;
  call: number;
  /** Infinity when the outcome is unknown (the op may or may not have taken effect). */
  ret: number;
}

export interface CheckResult {
  ok: boolean;
  key?: string;
  /** True when the search gave up (too large); treated as ok but reported. */
  inconclusive?: boolean;
}

/** The simulator records a get's observation in `value` too, so the whole operation is the input. */
type RegisterInput = { kind: "put" | "get"; value: string | undefined };

/** A register that starts absent: a put sets it, a get must have observed what it holds. */
const register: Model<{ value: string | undefined }, RegisterInput, undefined> = {
  init: { value: undefined },
  step: (state, input) => {
    if (input.kind === "put") return { value: input.value };
    return input.value === state.value ? state : undefined;
  },
  key: (state) => state.value ?? "\u0000",
};

/** Checks the simulator's put/get history, each key as its own register. */
export function checkLinearizable(history: Operation[], maxStates = 2_000_000): CheckResult {
  let inconclusive = false;
  for (const [key, ops] of byKey(history)) {
    const verdict = checkOperations(
      ops.map((o) => ({
        call: o.call,
        ret: o.ret,
        input: { kind: o.kind, value: o.value },
        output: undefined,
      })),
      register,
      maxStates,
    );
    if (verdict.result === "fail") return { ok: false, key };
    if (verdict.result === "unknown") inconclusive = true;
  }
  return inconclusive ? { ok: true, inconclusive } : { ok: true };
}
