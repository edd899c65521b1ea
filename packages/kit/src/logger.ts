import pino, { type Logger } from "pino";
import { redactCardData } from "./redact.js";
import { traceRpcsTo } from "./rpc-trace.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; stdout by default. Tests pass a collector. */
  destination?: { write(line: string): unknown };
}

/**
 * Structured JSON logs, one object per line, with the service name on every line and card
 * numbers / CVVs scrubbed from the final text. Times are ISO strings so that no 13-digit epoch
 * number looks like a card number to the scrubber.
 */
export function createLogger(options: LoggerOptions): Logger {
  const sink = options.destination ?? pino.destination({ fd: 1, sync: false });
  const logger = pino(
    {
      level: options.level ?? "info",
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (line: string) => sink.write(redactCardData(line)) },
  );
  // A process's logger at trace level also records its RPCs (rpc-trace.ts).
  if (logger.isLevelEnabled("trace")) traceRpcsTo(logger);
  return logger;
}
