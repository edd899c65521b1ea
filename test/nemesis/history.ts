// The recorded history of a nemesis run, as Jepsen records one: every operation a client invokes,
// and how it completed — ok, fail (a definite refusal: it did not take effect), or info (outcome
// unknown: it may have taken effect, at any time after it was invoked). Written as one JSON line
// per event (invoke, then its completion), so a failing run can be read and re-checked.
import { writeFileSync } from "node:fs";

export type Completion = "ok" | "fail" | "info";

export interface Op<I = unknown, O = unknown> {
  id: number;
  /** The client (Jepsen's "process") that ran it; one operation at a time per client. */
  process: number;
  f: string;
  key: string;
  input: I;
  /** What it returned (ok and fail); undefined while pending and for info. */
  output: O | undefined;
  /** Milliseconds since the run started. */
  call: number;
  /** When it returned; Infinity for info (for the checker it may take effect at any later time). */
  ret: number;
  /** When the client learnt how it ended (for info too). */
  observed: number;
  type: Completion | "pending";
  /** Why it failed or is unknown (error code and message). */
  error?: string;
}

export class History {
  readonly ops: Op[] = [];
  private readonly t0 = performance.now();

  now(): number {
    return performance.now() - this.t0;
  }

  invoke<I, O>(process: number, f: string, key: string, input: I): Op<I, O> {
    const op: Op<I, O> = {
      id: this.ops.length,
      process,
      f,
      key,
      input,
      output: undefined,
      call: this.now(),
      ret: Number.POSITIVE_INFINITY,
      observed: Number.POSITIVE_INFINITY,
      type: "pending",
    };
    this.ops.push(op as Op);
    return op;
  }

  complete<I, O>(op: Op<I, O>, type: Completion, output?: O, error?: string): void {
    op.type = type;
    op.output = type === "info" ? undefined : output;
    op.observed = this.now();
    // An unknown outcome may take effect at any later time: it never "returns".
    op.ret = type === "info" ? Number.POSITIVE_INFINITY : op.observed;
    if (error) op.error = error;
  }

  /** Every operation still pending becomes info (a run that ends mid-call does not know). */
  closePending(): void {
    for (const op of this.ops) if (op.type === "pending") this.complete(op, "info", undefined, "run ended");
  }

  /** Invoke and completion events in time order, one JSON object per line. */
  write(path: string): void {
    const events: { time: number; line: object }[] = [];
    for (const op of this.ops) {
      const base = { process: op.process, f: op.f, key: op.key, id: op.id };
      events.push({
        time: op.call,
        line: { type: "invoke", ...base, time: round(op.call), value: op.input },
      });
      if (op.type === "pending") continue;
      events.push({
        time: op.observed,
        line: {
          type: op.type,
          ...base,
          time: round(op.observed),
          value: op.output,
          ...(op.error ? { error: op.error } : {}),
        },
      });
    }
    events.sort((a, b) => a.time - b.time);
    writeFileSync(path, `${events.map((e) => JSON.stringify(e.line)).join("\n")}\n`);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
