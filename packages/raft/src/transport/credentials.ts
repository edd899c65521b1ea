// The cluster's shared secret: peers present it when they open a Raft message stream, operators
// with every membership or leadership change. Without it anyone who reaches a Raft port could forge
// messages (a huge term, a fake append) or remove members.
import { createHash, timingSafeEqual } from "node:crypto";
import { Metadata } from "@grpc/grpc-js";

/** Metadata key of the secret on a peer's `Send` stream. */
export const CLUSTER_TOKEN_METADATA_KEY = "x-raft-token";

/** Constant-time comparison (of digests, so the length of the secret does not leak either). */
export function sameSecret(given: string, expected: string): boolean {
  if (expected.length === 0) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function tokenMetadata(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set(CLUSTER_TOKEN_METADATA_KEY, token);
  return metadata;
}
