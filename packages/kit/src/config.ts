import { z } from "zod";

/**
 * Configuration is parsed once at start-up from the environment into a typed object; nothing
 * reads process.env later. A wrong value stops the process with one line naming the variable.
 */
export class ConfigError extends Error {}

export function parseConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".");
    const got = env[name];
    return `${name}: ${issue.message}${got === undefined ? "" : ` (got ${JSON.stringify(got)})`}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}

/** parseConfig for an entry point: on a bad value, print one line and exit with status 2. */
export function loadConfig<S extends z.ZodObject>(schema: S, service: string): z.infer<S> {
  try {
    return parseConfig(schema, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${service}: ${error.message}\n`);
    process.exit(2);
  }
}

/** Schema pieces shared by every service's configuration. */
export const env = {
  port: (fallback: number) =>
    z.coerce
      .number({ error: "must be a TCP port 0..65535" })
      .int("must be a TCP port 0..65535")
      .min(0, "must be a TCP port 0..65535")
      .max(65535, "must be a TCP port 0..65535")
      .default(fallback),
  host: (fallback = "127.0.0.1") => z.string().min(1).default(fallback),
  /** A "host:port" address. */
  address: (fallback: string) =>
    z
      .string()
      .regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, "must be host:port")
      .default(fallback),
  /** A "host:port" address, or undefined when unset. */
  optionalAddress: () =>
    z
      .string()
      .regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, "must be host:port")
      .optional(),
  /** A comma-separated list of "host:port" addresses. */
  addressList: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((s) =>
        s
          .split(",")
          .map((a) => a.trim())
          .filter((a) => a.length > 0),
      )
      .pipe(z.array(z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, "must be a list of host:port")).min(1)),
  /** Raft members, "id=host:port,...", as [{id, address}]. */
  peerList: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((s) =>
        s
          .split(",")
          .map((p) => p.trim())
          .filter((p) => p.length > 0),
      )
      .pipe(
        z
          .array(
            z
              .string()
              .regex(/^[A-Za-z0-9_-]+=[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, "must be a list of id=host:port"),
          )
          .min(1),
      )
      .transform((list) =>
        list.map((p) => {
          const at = p.indexOf("=");
          return { id: p.slice(0, at), address: p.slice(at + 1) };
        }),
      ),
  /** A Raft member id. */
  nodeId: (fallback: string) =>
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, "must be 1..32 letters, digits, - or _")
      .default(fallback),
  millis: (fallback: number) =>
    z.coerce
      .number({ error: "must be a positive number of milliseconds" })
      .int("must be a positive number of milliseconds")
      .min(1, "must be a positive number of milliseconds")
      .default(fallback),
  logLevel: () => z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  secret: (fallback: string) => z.string().min(16, "must be at least 16 characters").default(fallback),
};

/**
 * A Raft node's identity against its peer list (db-node, order-executor): listed, it is one of the
 * first members and its advertised address, if given, must be its entry; not listed, it joins a
 * running cluster and must say where it is reached. `prefix` names the variables (DB → DB_PEERS).
 */
export function refineRaftMember(prefix: string) {
  return (c: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const id = c[`${prefix}_NODE_ID`] as string;
    const advertise = c[`${prefix}_ADVERTISE_ADDR`] as string | undefined;
    const listed = (c[`${prefix}_PEERS`] as { id: string; address: string }[]).find((p) => p.id === id);
    if (!listed && advertise === undefined)
      ctx.addIssue({
        code: "custom",
        path: [`${prefix}_PEERS`],
        message: `must include ${prefix}_NODE_ID ${id}, or set ${prefix}_ADVERTISE_ADDR to join a running cluster`,
      });
    if (listed && advertise !== undefined && listed.address !== advertise)
      ctx.addIssue({
        code: "custom",
        path: [`${prefix}_ADVERTISE_ADDR`],
        message: `differs from this node's ${prefix}_PEERS entry ${listed.address}`,
      });
  };
}
