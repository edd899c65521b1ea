// Linearizability checker for a key-value register history (Wing & Gong search with Porcupine-style
// memoisation of (linearized set, state)). Keys are independent, so each key is checked on its own.

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

export function checkLinearizable(history: Operation[], maxStates = 2_000_000): CheckResult {
  const byKey = new Map<string, Operation[]>();
  for (const op of history) {
    const list = byKey.get(op.key);
    if (list) list.push(op);
    else byKey.set(op.key, [op]);
  }
  let inconclusive = false;
  for (const [key, ops] of byKey) {
    const r = checkRegister(ops, maxStates);
    if (r === "fail") return { ok: false, key };
    if (r === "unknown") inconclusive = true;
  }
  return inconclusive ? { ok: true, inconclusive } : { ok: true };
}

function checkRegister(ops: Operation[], maxStates: number): "ok" | "fail" | "unknown" {
  const n = ops.length;
  const completed = ops.filter((o) => o.ret !== Number.POSITIVE_INFINITY).length;
  const done = new Uint8Array(n);
  const seen = new Set<string>();
  let visited = 0;
  let aborted = false;

  const search = (state: string | undefined, doneCompleted: number): boolean => {
    if (doneCompleted === completed) return true;
    if (++visited > maxStates) {
      aborted = true;
      return true;
    }
    const key = `${String.fromCharCode(...packBits(done))}|${state ?? "\u0000"}`;
    if (seen.has(key)) return false;
    seen.add(key);
    // An op may go next only if no pending op finished before it was called.
    let minRet = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++)
      if (!done[i] && (ops[i] as Operation).ret < minRet) minRet = (ops[i] as Operation).ret;
    for (let i = 0; i < n; i++) {
      if (done[i]) continue;
      const op = ops[i] as Operation;
      if (op.call > minRet) continue;
      let next: string | undefined;
      if (op.kind === "put") next = op.value;
      else if (op.value === state) next = state;
      else continue;
      done[i] = 1;
      const ok = search(next, doneCompleted + (op.ret === Number.POSITIVE_INFINITY ? 0 : 1));
      done[i] = 0;
      if (ok) return true;
    }
    return false;
  };
  const ok = search(undefined, 0);
  if (aborted) return "unknown";
  return ok ? "ok" : "fail";
}

function packBits(bits: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bits.length; i += 16) {
    let v = 0;
    for (let j = 0; j < 16 && i + j < bits.length; j++) if (bits[i + j]) v |= 1 << j;
    out.push(v);
  }
  return out;
}
