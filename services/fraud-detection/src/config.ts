import { env } from "@bookstore/kit";
import { z } from "zod";

export const configSchema = z
  .object({
    FD_HOST: env.host(),
    FD_PORT: env.port(50051),
    FD_ADMIN_PORT: env.port(51051),
    ORDER_TTL_MS: env.millis(10 * 60_000),
    /** Score at which an order is held for review. */
    FRAUD_REVIEW_AT: z.coerce.number().min(0).max(1).default(0.5),
    /** Score at which an order is rejected. */
    FRAUD_REJECT_AT: z.coerce.number().min(0).max(1).default(0.8),
    /** Comma-separated ISO alpha-2 codes whose billing addresses carry extra risk. */
    FRAUD_HIGH_RISK_COUNTRIES: z
      .string()
      .default("")
      .transform((s) =>
        s
          .split(",")
          .map((c) => c.trim().toUpperCase())
          .filter((c) => c.length > 0),
      )
      .pipe(z.array(z.string().regex(/^[A-Z]{2}$/, "must be ISO alpha-2 codes"))),
    LOG_LEVEL: env.logLevel(),
  })
  .refine((c) => c.FRAUD_REVIEW_AT <= c.FRAUD_REJECT_AT, {
    path: ["FRAUD_REVIEW_AT"],
    message: "must not be above FRAUD_REJECT_AT",
  });

export type Config = z.infer<typeof configSchema>;
