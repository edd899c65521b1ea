// `npm run bench -- <suite> [...]`: runs benchmark suites from bench/suites/<suite>.ts, prints each
// table and writes bench/results/<suite>.json. With no suite, runs them all.
import { readdirSync } from "node:fs";
import type { TableRow } from "./lib/report.js";
import { printTable, writeResults } from "./lib/report.js";

const suitesDir = new URL("./suites/", import.meta.url);
const available = readdirSync(suitesDir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .sort();

const args = process.argv.slice(2).filter((a) => !a.startsWith("-"));
if (process.argv.includes("--help")) {
  console.log(`usage: npm run bench -- [suite...]\nsuites: ${available.join(", ")}`);
  process.exit(0);
}
const chosen = args.length > 0 ? args : available;
for (const suite of chosen) {
  if (!available.includes(suite)) {
    console.error(`unknown benchmark suite "${suite}"; available: ${available.join(", ")}`);
    process.exit(2);
  }
}
for (const suite of chosen) {
  // A suite returns one table's rows, or several tables (printed apart, written as one list).
  const mod = (await import(new URL(`${suite}.ts`, suitesDir).href)) as {
    default: () => Promise<TableRow[] | TableRow[][]>;
  };
  console.log(`\n## ${suite}`);
  const result = await mod.default();
  const tables = result.every(Array.isArray) ? (result as TableRow[][]) : [result as TableRow[]];
  for (const table of tables) {
    printTable(table);
    console.log("");
  }
  console.log(`results: ${writeResults(suite, tables.flat())}`);
}
