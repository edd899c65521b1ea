// `npm start`: the whole bookstore on localhost, each service its own process, logs prefixed with
// the service name, in the foreground until Ctrl-C / SIGTERM, which stops every process.
import { ConfigError } from "@bookstore/kit";
import { type LaunchConfig, launchConfig } from "./launch-config.js";
import { Supervisor } from "./supervisor.js";
import { portInUse, startSystem, systemSpecs } from "./system.js";

function configOrExit(): LaunchConfig {
  try {
    return launchConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`cannot start: ${error.message}`);
    process.exit(2);
  }
}

const config = configOrExit();
const specs = systemSpecs(config.ports);

if (config.help) {
  console.log(`usage: npm start [-- --nodes N] [--data-dir DIR] [--raw]

Starts every service of the bookstore on localhost and waits until each is healthy:
${specs.map((s) => `  ${s.name.padEnd(26)} ${s.ports.join(", ")}`).join("\n")}
Then serves the storefront at http://127.0.0.1:${config.ports.orchestrator}/, the operations dashboard
at /ops and the API (OpenAPI at /docs).
A process that dies is reported and started again (data kept, backoff 1 s doubling to 30 s) while
the others keep serving. Ctrl-C or SIGTERM stops them all.

  --nodes N       db-node and order-executor cluster size: 1, 3 (default), 5 or 7
  --data-dir DIR  where every service keeps its state (default ./var)
  --raw           print the services' JSON log lines unformatted

Ports come from the services' own variables, honoured when set: ORCHESTRATOR_PORT, FD_PORT,
TV_PORT, SUGGESTIONS_PORT, PAYMENT_PORT (and their *_ADMIN_PORT), DB_PORT and EXECUTOR_PORT (the
first node's; the others follow: 50066, 50067, ...), DB_ADMIN_PORT, EXECUTOR_ADMIN_PORT. Every other
variable a service reads is passed through to it (see README.md); the launcher sets each node's id,
peers, data directory and the addresses the services use to find each other.`);
  process.exit(0);
}

const width = Math.max(...specs.map((s) => s.name.length));

for (const spec of specs) {
  const taken = await portInUse(spec.ports);
  if (taken !== undefined) {
    console.error(`cannot start: port ${taken} (${spec.name}) is already in use`);
    process.exit(1);
  }
}

function print(name: string, line: string): void {
  const prefix = `[${name.padEnd(width)}]`;
  if (config.raw || !line.startsWith("{")) {
    console.log(`${prefix} ${line}`);
    return;
  }
  try {
    const {
      level,
      time: _time,
      service: _service,
      msg,
      ...fields
    } = JSON.parse(line) as Record<string, unknown>;
    const rest = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
    console.log(`${prefix} ${String(level).padEnd(5)} ${String(msg ?? "")}${rest}`);
  } catch {
    console.log(`${prefix} ${line}`);
  }
}

let supervisor: Supervisor | undefined;
let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log("stopping all services...");
    await supervisor?.stop();
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  const system = await startSystem(specs, print);
  supervisor = new Supervisor(system, {
    onLine: print,
    report: (message) => console.error(`launcher: ${message}`),
  });
} catch (error) {
  console.error(`cannot start: ${(error as Error).message}`);
  await shutdown(1);
}
// One write, so a reader of the output sees the whole banner at once.
console.log(
  [
    `\nBookstore is up: http://127.0.0.1:${config.ports.orchestrator}/  (dashboard: /ops, API docs: /docs, health: /api/health)`,
    `db-node and order-executor clusters: ${config.nodes} nodes each.`,
    "Press Ctrl-C to stop.\n",
  ].join("\n"),
);
