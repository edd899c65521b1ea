import { createHash } from "node:crypto";
import { cardSafeId } from "@bookstore/kit";

export interface StoredResponse {
  statusCode: number;
  body: unknown;
}

interface Entry {
  requestHash: string;
  response: Promise<StoredResponse>;
  expiresAt: number;
}

/**
 * The order id of a checkout sent with an Idempotency-Key: a UUID derived from the key and the body,
 * so a retry of the same request names the same order even after this process restarted (and the
 * executor cluster, given the same job id twice, keeps one order).
 */
export function orderIdFor(scopedKey: string, body: unknown): string {
  return cardSafeId((attempt) => {
    const h = createHash("sha256").update(scopedKey).update("\n").update(JSON.stringify(body));
    // Attempt 0 is the id earlier versions derived, so their retries still find their orders.
    if (attempt > 0) h.update(`\n${attempt}`);
    const x = h.digest("hex");
    // RFC 9562 version 8 (custom) and variant bits, so it is a well-formed UUID.
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-8${x.slice(13, 16)}-${((Number.parseInt(x[16] as string, 16) & 0x3) | 0x8).toString(16)}${x.slice(17, 20)}-${x.slice(20, 32)}`;
  });
}

export type IdempotentResult =
  | { kind: "fresh" | "replayed"; response: StoredResponse }
  | { kind: "conflict" };

/**
 * `Idempotency-Key`: the first request with a key runs; a retry with the same key and body gets
 * the first result (waiting for it if it is still running); the same key with another body is a
 * conflict. Keys expire after `ttlMs`; at most `capacity` are kept.
 */
export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  async run(key: string, body: unknown, execute: () => Promise<StoredResponse>): Promise<IdempotentResult> {
    const requestHash = createHash("sha256").update(JSON.stringify(body)).digest("hex");
    const now = this.now();
    const existing = this.entries.get(key);
    if (existing && existing.expiresAt > now) {
      if (existing.requestHash !== requestHash) return { kind: "conflict" };
      return { kind: "replayed", response: await existing.response };
    }
    const response = execute();
    this.entries.delete(key);
    this.entries.set(key, { requestHash, response, expiresAt: now + this.ttlMs });
    this.evict(now);
    try {
      return { kind: "fresh", response: await response };
    } catch (error) {
      // A request that crashed did not produce a result to replay.
      this.entries.delete(key);
      throw error;
    }
  }

  private evict(now: number): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.capacity && entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}
