import { env } from "@bookstore/kit";
import { DEFAULT_MAX_QUANTITY } from "@bookstore/transaction-verification/rules/items";
import { z } from "zod";

export const configSchema = z.object({
  ORCHESTRATOR_HOST: env.host(),
  ORCHESTRATOR_PORT: env.port(8080),
  TV_ADDR: env.address("127.0.0.1:50052"),
  FD_ADDR: env.address("127.0.0.1:50051"),
  /** Empty = not deployed: checkouts succeed without suggestions. */
  SUGGESTIONS_ADDR: z
    .string()
    .regex(/^$|^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, "must be host:port or empty")
    .default(""),
  /** The db-node cluster (stock), comma-separated host:port. */
  DB_NODES: env.addressList("127.0.0.1:50066,127.0.0.1:50067,127.0.0.1:50068"),
  /** The payment service (card vault); empty = orders are validated but not placed. */
  PAYMENT_ADDR: z
    .string()
    .regex(/^$|^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, "must be host:port or empty")
    .default("127.0.0.1:50054"),
  /** The order-executor cluster, comma-separated host:port. */
  EXECUTOR_NODES: env.addressList("127.0.0.1:50061,127.0.0.1:50062,127.0.0.1:50063"),
  /** Browser origins allowed to call the API from elsewhere, comma-separated (e.g. the seed's page). */
  CORS_ORIGINS: z
    .string()
    .default("")
    .transform((s) =>
      s
        .split(",")
        .map((o) => o.trim())
        .filter((o) => o.length > 0),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/, error: "must be a list of http(s) origins" }))),
  /**
   * Admin HTTP ports whose /metrics the operations dashboard shows, as name=host:port,...
   * (empty = only the orchestrator's own metrics).
   */
  METRICS_TARGETS: z
    .string()
    .default("")
    .transform((s) =>
      s
        .split(",")
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,64}=[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, "must be a list of name=host:port")
          .transform((t) => {
            const [name = "", address = ""] = t.split(/=(.*)/s);
            return { name, address };
          }),
      ),
    ),
  /** Deadline of each call to a validation service. */
  CALL_DEADLINE_MS: env.millis(2000),
  CLEANUP_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /** transaction-verification's own variable: set it to the same value for both. */
  MAX_ITEM_QUANTITY: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_MAX_QUANTITY),
  /** Key of the card fingerprint (HMAC) the fraud service counts cards by. */
  CARD_FINGERPRINT_KEY: env.secret("dev-only-fingerprint-key-change-me"),
  CATALOG_PATH: z.string().optional(),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
  /** Take the client address from X-Forwarded-For (behind a proxy, and in the benchmark). */
  TRUST_PROXY: z.stringbool().default(false),
  LOG_LEVEL: env.logLevel(),
});

export type Config = z.infer<typeof configSchema>;
