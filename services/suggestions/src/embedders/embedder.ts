/** Turns texts into unit-length vectors; the same name always means the same vectors for a text. */
export interface Embedder {
  /** Stable name, stored with every embedding: a change of name re-embeds the catalog. */
  readonly name: string;
  /** "transformer" (a sentence-transformers model through ONNX) or "offline" (built in). */
  readonly kind: "transformer" | "offline";
  readonly dimensions: number;
  /** One unit-length vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  close?(): Promise<void>;
}

/** The dimension of the `embedding vector(384)` column (all-MiniLM-L6-v2's output). */
export const EMBEDDING_DIMENSIONS = 384;

/** Scales a vector to unit length in place (a zero vector stays zero). */
export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += (vector[i] as number) ** 2;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
  return vector;
}

/**
 * Sentence-transformers mean pooling: for each sequence, the average of its token states where the
 * attention mask is 1. `hidden` is [batch, seq, dim] row-major; `mask` is [batch, seq].
 */
export function meanPool(
  hidden: ArrayLike<number>,
  mask: ArrayLike<number | bigint>,
  batch: number,
  seq: number,
  dim: number,
): Float32Array[] {
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const pooled = new Float32Array(dim);
    let count = 0;
    for (let s = 0; s < seq; s++) {
      if (Number(mask[b * seq + s]) === 0) continue;
      count++;
      const base = (b * seq + s) * dim;
      for (let d = 0; d < dim; d++) pooled[d] = (pooled[d] as number) + (hidden[base + d] as number);
    }
    // sentence-transformers clamps the token count at 1e-9 to avoid dividing by zero.
    const divisor = Math.max(count, 1e-9);
    for (let d = 0; d < dim; d++) pooled[d] = (pooled[d] as number) / divisor;
    out.push(pooled);
  }
  return out;
}

/** Cosine similarity of two unit vectors. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** pgvector's text form, "[0.1,0.2,...]", sent as a bound parameter. */
export function toPgVector(vector: ArrayLike<number>): string {
  return `[${Array.prototype.join.call(vector, ",")}]`;
}

export function fromPgVector(text: string): Float32Array {
  return Float32Array.from(text.slice(1, -1).split(","), Number);
}
