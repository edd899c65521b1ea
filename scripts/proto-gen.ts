// Regenerates the TypeScript contracts from proto/ (buf generate + a descriptor set for gRPC
// reflection). With --check, generates into a scratch directory and fails if the committed
// output differs, so stale generated code cannot land.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const buf = join(root, "node_modules/.bin/buf");
const generated = ["packages/proto/src/gen", "packages/proto/src/descriptors.binpb"];

function generate(outDir: string): void {
  execFileSync(buf, ["lint"], { cwd: root, stdio: "inherit" });
  execFileSync(buf, ["generate", "--output", outDir], { cwd: root, stdio: "inherit" });
  execFileSync(buf, ["build", "-o", join(outDir, "packages/proto/src/descriptors.binpb")], {
    cwd: root,
    stdio: "inherit",
  });
}

function listFiles(path: string): string[] {
  try {
    return readdirSync(path, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => relative(path, join(d.parentPath, d.name)))
      .sort();
  } catch {
    return [""];
  }
}

if (!process.argv.includes("--check")) {
  for (const p of generated) rmSync(join(root, p), { recursive: true, force: true });
  generate(root);
  console.log("proto: generated packages/proto/src/gen and descriptors.binpb");
} else {
  const scratch = mkdtempSync(join(tmpdir(), "proto-check-"));
  try {
    generate(scratch);
    const stale: string[] = [];
    for (const p of generated) {
      const fresh = join(scratch, p);
      const committed = join(root, p);
      const names = new Set([...listFiles(fresh), ...listFiles(committed)]);
      for (const name of names) {
        const a = join(fresh, name);
        const b = join(committed, name);
        let same = false;
        try {
          same = readFileSync(a).equals(readFileSync(b));
        } catch {
          same = false;
        }
        if (!same) stale.push(join(p, name));
      }
    }
    if (stale.length > 0) {
      console.error(`proto: generated code is stale, run \`npm run proto:gen\`: ${stale.join(", ")}`);
      process.exit(1);
    }
    console.log("proto: generated code matches proto/");
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
