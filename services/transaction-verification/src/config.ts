import { env } from "@bookstore/kit";
import { z } from "zod";

export const configSchema = z.object({
  TV_HOST: env.host(),
  TV_PORT: env.port(50052),
  TV_ADMIN_PORT: env.port(51052),
  /** How long an order's data is kept when no ClearOrder comes. */
  ORDER_TTL_MS: env.millis(10 * 60_000),
  MAX_ITEM_QUANTITY: z.coerce.number().int().min(1).max(10_000).default(100),
  LOG_LEVEL: env.logLevel(),
});

export type Config = z.infer<typeof configSchema>;
