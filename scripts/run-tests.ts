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
const files = [...dirs, join(root, "test")].flatMap(testFiles).sort();
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", ...process.argv.slice(2), ...files],
  { cwd: root, stdio: "inherit" },
);
process.exit(result.status ?? 1);
