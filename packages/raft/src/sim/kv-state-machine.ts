// A tiny key-value state machine used by the simulator and tests: put returns the previous value.
import type { AppliedEntry, StateMachine } from "../node/state-machine.js";

export type KvCommand = { op: "put"; key: string; value: string };

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeKv(cmd: KvCommand): Uint8Array {
  return enc.encode(JSON.stringify(cmd));
}

export class KvStateMachine implements StateMachine<string | undefined> {
  readonly data = new Map<string, string>();
  appliedIndex = 0;

  apply(entry: AppliedEntry): string | undefined {
    this.appliedIndex = entry.index;
    if (entry.data.length === 0) return undefined;
    const cmd = JSON.parse(dec.decode(entry.data)) as KvCommand;
    const prev = this.data.get(cmd.key);
    this.data.set(cmd.key, cmd.value);
    return prev;
  }

  get(key: string): string | undefined {
    return this.data.get(key);
  }

  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify({ applied: this.appliedIndex, data: [...this.data] }));
  }

  restore(bytes: Uint8Array): void {
    this.data.clear();
    if (bytes.length === 0) {
      this.appliedIndex = 0;
      return;
    }
    const parsed = JSON.parse(dec.decode(bytes)) as { applied: number; data: [string, string][] };
    this.appliedIndex = parsed.applied;
    for (const [k, v] of parsed.data) this.data.set(k, v);
  }
}
