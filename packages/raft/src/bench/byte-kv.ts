// State machine for the process tests and the benchmark: commands are `key \0 value` bytes.
import type { AppliedEntry, StateMachine } from "../node/state-machine.js";

export class ByteKv implements StateMachine<number> {
  readonly data = new Map<string, Buffer>();
  applied = 0;

  apply(e: AppliedEntry): number {
    this.applied = e.index;
    const buf = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    const cut = buf.indexOf(0);
    const key = buf.toString("latin1", 0, cut < 0 ? Math.min(16, buf.length) : cut);
    this.data.set(key, Buffer.from(buf.subarray(cut < 0 ? buf.length : cut + 1)));
    return e.index;
  }

  snapshot(): Uint8Array {
    const parts: Buffer[] = [];
    for (const [k, v] of this.data) {
      const kb = Buffer.from(k, "latin1");
      const head = Buffer.allocUnsafe(8);
      head.writeUInt32LE(kb.length, 0);
      head.writeUInt32LE(v.length, 4);
      parts.push(head, kb, v);
    }
    return Buffer.concat(parts);
  }

  restore(bytes: Uint8Array): void {
    this.data.clear();
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let off = 0;
    while (off + 8 <= b.length) {
      const kl = b.readUInt32LE(off);
      const vl = b.readUInt32LE(off + 4);
      off += 8;
      const k = b.toString("latin1", off, off + kl);
      off += kl;
      this.data.set(k, Buffer.from(b.subarray(off, off + vl)));
      off += vl;
    }
  }
}

export function command(key: string, value: Uint8Array): Uint8Array {
  const k = Buffer.from(key, "latin1");
  const out = Buffer.allocUnsafe(k.length + 1 + value.length);
  k.copy(out, 0);
  out[k.length] = 0;
  out.set(value, k.length + 1);
  return out;
}
