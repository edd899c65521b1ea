// `npm run cluster -- <command>`: operate a running db-node or order-executor cluster (status,
// membership, leadership, backup) or restore a backup into a new member's data directory.
// Works from any machine or pod that reaches the members; see docs/deploy.md.
import { closeAllClients } from "@bookstore/kit";
import { parseInvocation, UsageError, usage } from "./cluster/args.js";
import { runCommand } from "./cluster/commands.js";

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.length === 0) {
  console.log(usage);
  process.exit(argv.length === 0 ? 2 : 0);
}
try {
  await runCommand(parseInvocation(argv, process.env), (line) => console.log(line));
  closeAllClients();
} catch (error) {
  console.error(`cluster: ${(error as Error).message}`);
  if (error instanceof UsageError) console.error("(npm run cluster -- --help lists the commands)");
  process.exit(error instanceof UsageError ? 2 : 1);
}
