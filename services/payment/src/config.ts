import { env } from "@bookstore/kit";
import { z } from "zod";

export const configSchema = z.object({
  PAYMENT_HOST: env.host(),
  PAYMENT_PORT: env.port(50054),
  PAYMENT_ADMIN_PORT: env.port(51054),
  /** The single-node Raft group's log and snapshots: vault, holds and captures. */
  PAYMENT_DATA_DIR: z.string().min(1).default("./var/payment"),
  /** Token for ListTransactions. */
  PAYMENT_ADMIN_TOKEN: env.secret("dev-only-payment-admin-token"),
  /**
   * Card numbers are encrypted with a key derived from this (AES-256-GCM), and tokens are an HMAC
   * under another key derived from it. Changing it makes stored cards unreadable: keep it.
   */
  PAYMENT_VAULT_KEY: env.secret("dev-only-payment-vault-key"),
  /** Seed of the simulated authorisation outcomes: the same seed and transaction id, the same result. */
  PAYMENT_SEED: z.string().min(1).max(128).default("bookstore"),
  /** A hold without a decision after this long is resolved by asking the coordinator. */
  PAYMENT_DECISION_TIMEOUT_MS: env.millis(30_000),
  LOG_LEVEL: env.logLevel(),
});

export type Config = z.infer<typeof configSchema>;
