import { createServer } from "node:net";

/**
 * Where freePort looks: below Linux's ephemeral range (32768-60999), which every outgoing
 * connection draws its local port from. A port the kernel handed out for `listen(0)` comes from
 * that range, so another process's client socket could take it before the process it was meant
 * for bound it (seen in CI: a db-node exiting at start with its port in use, with test files
 * running side by side).
 */
const LOWEST = 20_000;
const HIGHEST = 32_767;
/** Ports this process already handed out: callers often take several before binding any. */
const handedOut = new Set<number>();

/** A port that was free a moment ago (tests, benchmarks, harnesses that start processes). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1));
    if (handedOut.has(port)) continue;
    handedOut.add(port); // before the check, so concurrent calls cannot pick it too
    if ((await portInUse([port], host)) === undefined) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${HIGHEST} on ${host}`);
}

/** The first of `ports` that is already taken, if any. */
export async function portInUse(ports: number[], host = "127.0.0.1"): Promise<number | undefined> {
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, host, () => server.close(() => resolve(true)));
    });
    if (!free) return port;
  }
  return undefined;
}
