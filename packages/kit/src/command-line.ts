// The options of a command-line tool (`npm run nemesis`, `npm run fuzz`, ...), read with
// node:util's parseArgs: --help prints the usage and exits 0; an unknown or malformed option prints
// what is wrong and the usage, and exits 2.
import { type ParseArgsConfig, parseArgs } from "node:util";

export function commandLine<const T extends ParseArgsConfig>(
  usage: string,
  config: T,
): ReturnType<typeof parseArgs<T>>["values"] {
  let values: ReturnType<typeof parseArgs<T>>["values"];
  try {
    ({ values } = parseArgs(config));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if ((values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return values;
}
