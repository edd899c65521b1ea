// deploy/Dockerfile and the tree it runs: the Dockerfile checked by dockerfile-utils and for what
// the image promises (multi-stage, production dependencies only, non-root, health check, SERVICE
// picks the process); the compiled tree built exactly as the image's build stage builds it, then
// run without tsx: a service starts from it and passes the image's health check.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "@bookstore/kit";
import { DockerfileParser } from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { compileImageTree } from "../deploy/compile.js";

const root = new URL("..", import.meta.url).pathname;
const dockerfile = readFileSync(join(root, "deploy", "Dockerfile"), "utf8");

describe("deploy: Dockerfile", () => {
  const parsed = DockerfileParser.parse(dockerfile);
  const stages = parsed.getFROMs().map((f) => f.getBuildStage());
  const instructions = parsed.getInstructions();
  /** The instructions of each stage, by its name. */
  const byStage = new Map<string, string[]>();
  let current = "";
  const lines = dockerfile.split("\n");
  /** An instruction's whole text, flags included, continuation lines joined. */
  const textOf = (range: { start: { line: number }; end: { line: number } }) =>
    lines
      .slice(range.start.line, range.end.line + 1)
      .join(" ")
      .replace(/\\\s+/g, " ")
      .replace(/\s+/g, " ")
      .trim();
  for (const i of instructions) {
    if (i.getKeyword() === "FROM") current = i.getArgumentsContent()?.split(/\s+AS\s+/i)[1] ?? "";
    else byStage.set(current, [...(byStage.get(current) ?? []), textOf(i.getRange())]);
  }

  it("is valid (dockerfile-utils) and every COPY --from names an earlier stage", () => {
    assert.deepEqual(
      validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`),
      [],
    );
    assert.deepEqual(stages, ["build", "deps", "runtime"]);
    for (const [stage, lines] of byStage)
      for (const line of lines.filter((l) => l.startsWith("COPY --from=")))
        assert.ok(
          stages.indexOf(/--from=(\S+)/.exec(line)?.[1] ?? "") < stages.indexOf(stage),
          `${stage}: ${line}`,
        );
  });

  it("runs production dependencies only, as a non-root user, with a health check and SERVICE picking the process", () => {
    const deps = byStage.get("deps") ?? [];
    assert.ok(
      deps.some((l) => /npm ci --omit=dev/.test(l)),
      deps.join("\n"),
    );
    const runtime = byStage.get("runtime") ?? [];
    assert.ok(runtime.some((l) => l.startsWith("COPY --from=deps")));
    assert.ok(
      !runtime.some((l) => l.startsWith("COPY --from=build")),
      "nothing from the build stage (dev deps)",
    );
    assert.deepEqual(
      runtime.filter((l) => l.startsWith("USER")),
      ["USER node"],
    );
    assert.ok(
      runtime.some((l) => /^HEALTHCHECK .*CMD \["node", "deploy\/healthcheck\.js"\]$/.test(l)),
      runtime.join("\n"),
    );
    assert.ok(runtime.some((l) => l === 'ENTRYPOINT ["node", "deploy/entrypoint.js"]'));
  });
});

describe("deploy: the image's compiled tree", { timeout: 120_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), "bookstore-image-"));
  const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const workspaces = new Map<string, string>();

  before(async () => {
    await compileImageTree(out);
    // What `npm ci --omit=dev` installs: the registry packages, and the workspaces linked by name.
    mkdirSync(join(out, "node_modules", "@bookstore"), { recursive: true });
    for (const entry of readdirSync(join(root, "node_modules")))
      if (!entry.startsWith(".") && entry !== "@bookstore")
        symlinkSync(join(root, "node_modules", entry), join(out, "node_modules", entry));
    for (const group of ["packages", "services"])
      for (const dir of readdirSync(join(out, group))) {
        const { name } = JSON.parse(readFileSync(join(out, group, dir, "package.json"), "utf8")) as {
          name: string;
        };
        workspaces.set(name, join(group, dir));
        symlinkSync(join(out, group, dir), join(out, "node_modules", name));
      }
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it("holds the built storefront and dashboard where the orchestrator serves them from", () => {
    for (const page of ["index.html", "ops/index.html"])
      assert.ok(existsSync(join(out, "web", "dist", page)), `web/dist/${page}`);
  });

  it("renders the front page's first books without tsx (the storefront's view, compiled)", async () => {
    const { catalogMarkup } = (await import(
      join(out, "services/orchestrator/src/routes/catalog-prerender.js")
    )) as typeof import("../services/orchestrator/src/routes/catalog-prerender.js");
    const book = { id: "dune", title: "Dune", author: "Frank Herbert", priceCents: 999, genre: "sci-fi" };
    const markup = await catalogMarkup({
      filters: { q: "", genre: "", author: "", page: 1 },
      listing: { books: [book], pagination: { total: 1, page: 1, pages: 1 }, searched: false },
    });
    assert.match(markup, /data-cy="book-card" data-book-id="dune"/);
    assert.match(markup, /€9\.99/);
  });

  it("imports only production dependencies and the workspaces", () => {
    const files = readdirSync(out, { recursive: true, withFileTypes: true })
      .filter(
        (d) =>
          d.isFile() &&
          d.name.endsWith(".js") &&
          !d.parentPath.includes("node_modules") &&
          !d.parentPath.includes(join("web", "dist")),
      )
      .map((d) => join(d.parentPath, d.name));
    assert.ok(files.length > 100, `${files.length} compiled files`);
    const used = new Set<string>();
    for (const f of files)
      for (const m of readFileSync(f, "utf8").matchAll(
        /^\s*(?:import|export)\b[^"'`;]*?from\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm,
      )) {
        const spec = (m[1] ?? m[2] ?? m[3]) as string;
        if (spec.startsWith("node:") || spec.startsWith(".")) continue;
        used.add(
          spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string),
        );
      }
    assert.ok(
      used.has("@grpc/grpc-js") && used.has("zod") && used.has("@bookstore/kit"),
      [...used].join(" "),
    );
    const devOnly = [...used].filter((p) => !(p in rootPackage.dependencies) && !workspaces.has(p));
    assert.deepEqual(devOnly, [], "imported but not a production dependency");
    assert.equal(
      (JSON.parse(readFileSync(join(out, "package.json"), "utf8")) as { scripts: Record<string, string> })
        .scripts.cluster,
      "node scripts/cluster.js",
    );
  });

  it("a service runs from it without tsx and passes the image's health check; SIGTERM stops it", async () => {
    const port = await freePort();
    const env = {
      ...process.env,
      SERVICE: "transaction-verification",
      TV_HOST: "0.0.0.0",
      TV_PORT: String(port),
      TV_ADMIN_PORT: "0",
      LOG_LEVEL: "warn",
    };
    const health = () =>
      spawnSync(process.execPath, ["deploy/healthcheck.js"], { cwd: out, env, encoding: "utf8" });
    assert.equal(health().status, 1, "not healthy before it runs");
    const child = spawn(process.execPath, ["deploy/entrypoint.js"], { cwd: out, env, stdio: "inherit" });
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    try {
      const end = Date.now() + 60_000;
      while (health().status !== 0) {
        assert.ok(Date.now() < end, "healthy within 60 s");
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0);
    const wrong = spawnSync(process.execPath, ["deploy/entrypoint.js"], {
      cwd: out,
      env: { ...env, SERVICE: "nope" },
      encoding: "utf8",
    });
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /SERVICE must be one of orchestrator, .*db-node \(got "nope"\)/);
    assert.match(
      execFileSync(process.execPath, ["scripts/cluster.js", "--help"], { cwd: out, encoding: "utf8" }),
      /transfer-leader/,
    );
  });
});
