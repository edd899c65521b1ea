/// <reference lib="dom" />
// Real headless Chromium (Debian's /usr/bin/chromium, installed by .ci/run) driven by
// playwright-core, with what every browser test checks: no console error, no uncaught exception,
// no failed request and no unexpected 4xx/5xx answer; a screenshot of each step under
// var/screenshots (git-ignored); and axe-core's accessibility check.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

const root = new URL("../..", import.meta.url).pathname;
export const screenshotDir = join(root, "var", "screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// The flags this machine needs: no sandbox as root, and nothing that calls out to the network.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** A page that records every problem a person would not see but a test must. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, uncaught exceptions, failed requests, unexpected error statuses. */
  problems: string[];
  /** Every request the page made, as "METHOD path". */
  requests: string[];
  /** Error statuses the test expects (e.g. "422 /api/checkout"), so they are not problems. */
  allow(entry: string): void;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function watchedPage(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; javaScriptEnabled?: boolean } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 900 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  });
  // Generous: the whole system and the browser share two cores with the rest of the tests.
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  const allowed = new Set<string>();
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // Chromium logs every error answer too; one the test expects is not a problem.
    const status = /status of (\d{3})/.exec(m.text())?.[1];
    const url = m.location().url;
    if (status && url && allowed.has(`${status} ${new URL(url).pathname}`)) return;
    problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`exception: ${e.message}`));
  page.on("request", (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  page.on("requestfailed", (r) => {
    // Aborted on purpose: an outdated search, a page left, a finished event stream closed.
    if (r.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("response", async (r) => {
    const entry = `${r.status()} ${new URL(r.url()).pathname}`;
    if (r.status() < 400 || allowed.has(entry)) return;
    const body = await r.text().catch(() => "");
    problems.push(`answer: ${entry} ${body.slice(0, 300)}`);
  });
  return {
    page,
    context,
    problems,
    requests,
    allow: (entry) => allowed.add(entry),
    async screenshot(name) {
      const path = join(screenshotDir, `${name}.png`);
      // caret "initial": hiding it injects a style the pages' content security policy refuses.
      await page.screenshot({ path, fullPage: true, caret: "initial" });
      return path;
    },
    close: () => context.close(),
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's WCAG 2.x A/AA rules on the page as it is now; the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's content security policy allows.
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: unknown[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations;
  })) as AxeViolation[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
