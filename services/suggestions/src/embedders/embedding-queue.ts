import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { AppError, GrpcStatus } from "@bookstore/kit";
import type { Embedder } from "./embedder.js";

interface Pending {
  text: string;
  resolve: (vector: Float32Array) => void;
  reject: (error: unknown) => void;
}

/**
 * Query embeddings go through a bounded queue: concurrent requests are embedded together in
 * batches, one batch at a time, yielding to the event loop between batches. A full queue answers
 * RESOURCE_EXHAUSTED at once instead of letting latency grow without bound.
 */
export class EmbeddingQueue {
  private readonly pending: Pending[] = [];
  private running = false;

  constructor(
    private readonly embedder: Embedder,
    private readonly capacity = 256,
    private readonly batchSize = 16,
  ) {}

  get depth(): number {
    return this.pending.length;
  }

  embed(text: string): Promise<Float32Array> {
    if (this.pending.length >= this.capacity) {
      return Promise.reject(
        new AppError(GrpcStatus.RESOURCE_EXHAUSTED, "embedding queue is full; try again shortly"),
      );
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ text, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.batchSize);
        try {
          const vectors = await this.embedder.embed(batch.map((p) => p.text));
          batch.forEach((p, i) => {
            p.resolve(vectors[i] as Float32Array);
          });
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
        if (this.pending.length > 0) await yieldToEventLoop();
      }
    } finally {
      this.running = false;
    }
  }
}
