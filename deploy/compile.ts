// The image's build step: the services as plain JavaScript in the same layout as the sources, so
// the production image runs `node services/<name>/src/index.js` with production dependencies only
// (no tsx), and the built web/dist the orchestrator serves. Each .ts file of packages/*/src,
// services/*/src, scripts/cluster, web/src/store and web/src/shared (the orchestrator renders the
// front page's first books with them) and deploy/ becomes a .js file beside where it was (imports
// already name .js files); assets the code reads next to itself are copied; package.json files
// point at the .js files. `npm ci --omit=dev` in the output directory then installs what it needs.
//   node --import tsx deploy/compile.ts <out-dir>
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { transform } from "esbuild";

const root = new URL("..", import.meta.url).pathname;

/** Source trees compiled into the image (tests, benchmarks and dev scripts stay out). */
const trees = [
  ...["packages", "services"].flatMap((group) =>
    readdirSync(join(root, group)).map((name) => join(group, name, "src")),
  ),
  "scripts/cluster",
  // The storefront's catalog view: the orchestrator renders the front page's first books with it.
  "web/src/store",
  "web/src/shared",
];
const singleFiles = ["scripts/cluster.ts", "deploy/entrypoint.ts", "deploy/healthcheck.ts"];
/** Files the code reads at run time relative to itself. */
const assetPattern = /\.(binpb|sql|json)$/;

function filesUnder(dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(root, join(d.parentPath, d.name)));
}

async function compileFile(file: string, out: string): Promise<void> {
  const source = readFileSync(join(root, file), "utf8");
  const { code } = await transform(source, {
    loader: "ts",
    format: "esm",
    target: "node20.18",
    sourcefile: file,
  });
  const target = join(out, file.replace(/\.ts$/, ".js"));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, code);
}

function copy(file: string, out: string): void {
  mkdirSync(dirname(join(out, file)), { recursive: true });
  copyFileSync(join(root, file), join(out, file));
}

/** `./src/x.ts` → `./src/x.js` in a workspace package's exports. */
function packageJson(file: string, out: string): void {
  const text = readFileSync(join(root, file), "utf8").replace(/(\.\/src\/[^"]*)\.ts"/g, '$1.js"');
  mkdirSync(dirname(join(out, file)), { recursive: true });
  writeFileSync(join(out, file), text);
}

/** The root package: its scripts run the compiled files (`npm run cluster` works in a container). */
function rootPackageJson(out: string): void {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  pkg.scripts = { cluster: "node scripts/cluster.js" };
  writeFileSync(join(out, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
}

export async function compileImageTree(out: string): Promise<string[]> {
  const written: string[] = [];
  const sources = [...trees.flatMap(filesUnder), ...singleFiles];
  for (const file of sources) {
    if (file.endsWith(".ts") && !file.endsWith(".d.ts")) await compileFile(file, out);
    else if (assetPattern.test(file)) copy(file, out);
    else continue;
    written.push(file);
  }
  for (const group of ["packages", "services"])
    for (const name of readdirSync(join(root, group))) packageJson(join(group, name, "package.json"), out);
  // The storefront and dashboard the orchestrator serves, built by `npm ci` (the root's prepare).
  const web = filesUnder("web/dist");
  if (!web.includes("web/dist/index.html")) throw new Error("web/dist is not built: npm run build:web");
  for (const file of web) copy(file, out);
  rootPackageJson(out);
  copy("package-lock.json", out);
  copy("data/catalog.json", out);
  return written;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: node --import tsx deploy/compile.ts <out-dir>");
    process.exit(2);
  }
  const files = await compileImageTree(out);
  console.log(`compiled ${files.length} files into ${out}`);
}
