// `npm start`: the whole bookstore on localhost, each service its own process, logs prefixed with
// the service name, in the foreground until Ctrl-C / SIGTERM, which stops every process.
import { Supervisor } from "./supervisor.js";
import { defaultPorts, portInUse, startSystem, systemSpecs } from "./system.js";

if (process.argv.includes("--help")) {
  console.log(`usage: npm start [-- --raw]

Starts every service of the bookstore on localhost and waits until each is healthy:
${systemSpecs(defaultPorts)
  .map((s) => `  ${s.name.padEnd(26)} ${s.ports.join(", ")}`)
  .join("\n")}
Then serves the API at http://127.0.0.1:${defaultPorts.orchestrator}/ (OpenAPI at /docs).
A process that dies is reported and started again (data kept, backoff 1 s doubling to 30 s) while
the others keep serving. Ctrl-C or SIGTERM stops them all. --raw prints the services' JSON log
lines unformatted.
Each service reads its own environment variables (see README.md).`);
  process.exit(0);
}

const raw = process.argv.includes("--raw");
const specs = systemSpecs(defaultPorts);
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
  if (raw || !line.startsWith("{")) {
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
console.log(
  `\nBookstore is up: http://127.0.0.1:${defaultPorts.orchestrator}/  (API docs: /docs, health: /api/health)`,
);
console.log("Press Ctrl-C to stop.\n");
