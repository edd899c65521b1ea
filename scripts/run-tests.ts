// `npm test`: every *.test.ts under packages/*/test, services/*/test and test/, run by node's own
// test runner (Node 20's `--test` does not expand globs). Extra arguments pass through, e.g.
// `npm test -- --test-name-pattern=luhn`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith(".test.ts"))
    .map((d) => join(d.parentPath, d.name));
}

const dirs = ["packages", "services"].flatMap((group) =>
  readdirSync(join(root, group)).map((name) => join(root, group, name, "test")),
);
/**
 * The slowest files (minutes of real processes, faults and timeouts; measured in CI) start first,
 * so the run does not end with one long file alone on a slot.
 */
const slowFirst = [
  "test/nemesis.test.ts",
  "test/browser.test.ts",
  "test/rolling-restart.test.ts",
  "test/cluster-operations.test.ts",
  "test/orders-faults.test.ts",
  "test/fuzz.test.ts",
  "test/deploy-manifests.test.ts",
  "packages/raft/test/simulator.test.ts",
  "test/system.test.ts",
].map((f) => join(root, f));
const rank = (f: string) => (slowFirst.includes(f) ? slowFirst.indexOf(f) : slowFirst.length);
const files = [...dirs, join(root, "test")]
  .flatMap(testFiles)
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
// Two files at a time, one per core: a third slot shortened the run by a minute but made calls
// with short deadlines time out on the loaded 2-core CI machine.
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", ...process.argv.slice(2), ...files],
  { cwd: root, stdio: "inherit" },
);
process.exit(result.status ?? 1);
