// Web suite: the storefront's production bundle (gzipped JavaScript and CSS each page loads, as
// listed by its built HTML) and the time until the first page shows its books in headless
// Chromium against the whole system: from navigation start to the first book card on screen,
// with a cold cache (a new browser context per load) and warm (a reload). BENCH_WEB_LOADS loads
// each (default 20).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { launchChromium } from "../../test/support/browser.js";
import { startWebSystem } from "../../test/support/web-system.js";
import { type BenchRow, percentile, round } from "../lib/report.js";

const loads = Number(process.env.BENCH_WEB_LOADS ?? 20);
const dist = new URL("../../web/dist/", import.meta.url).pathname;

/** The files a built page loads at once: its module script, the chunks it preloads, its styles. */
function pageAssets(html: string): string[] {
  const refs = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1] as string);
  return [...new Set(refs)];
}

function bundleRow(page: string, htmlFile: string): BenchRow {
  const assets = pageAssets(readFileSync(join(dist, htmlFile), "utf8"));
  const size = (ext: string, gz: boolean) =>
    assets
      .filter((a) => a.endsWith(ext))
      .reduce((n, a) => {
        const bytes = readFileSync(join(dist, a));
        return n + (gz ? gzipSync(bytes).length : bytes.length);
      }, 0);
  return {
    suite: "web",
    case: `${page} bundle`,
    clients: 0,
    ops_per_s: 0,
    p50_ms: 0,
    p99_ms: 0,
    js_kib: round(size(".js", false) / 1024, 1),
    js_gzip_kib: round(size(".js", true) / 1024, 1),
    css_gzip_kib: round(size(".css", true) / 1024, 1),
  };
}

function timingRow(label: string, samples: number[]): BenchRow {
  return {
    suite: "web",
    case: label,
    clients: 1,
    ops_per_s: round(1000 / (samples.reduce((a, b) => a + b, 0) / samples.length), 1),
    p50_ms: round(percentile(samples, 50), 0),
    p99_ms: round(percentile(samples, 99), 0),
    loads: samples.length,
  };
}

export default async function webSuite(): Promise<BenchRow[]> {
  const web = await startWebSystem();
  const browser = await launchChromium();
  const rows = [bundleRow("storefront", "index.html"), bundleRow("dashboard", "ops/index.html")];
  try {
    const cold: number[] = [];
    const warm: number[] = [];
    const firstBooks = `() => document.querySelector("[data-cy=book-card]") ? performance.now() : 0`;
    for (let i = 0; i < loads + 1; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${web.baseUrl}/`);
      const coldMs = Number(await (await page.waitForFunction(firstBooks)).jsonValue());
      await page.reload();
      const warmMs = Number(await (await page.waitForFunction(firstBooks)).jsonValue());
      await context.close();
      // The first load warms the services (PGlite's first query, JIT): it is not counted.
      if (i === 0) continue;
      cold.push(coldMs);
      warm.push(warmMs);
    }
    rows.push(timingRow("first books, cold cache", cold), timingRow("first books, warm cache", warm));
  } finally {
    await browser.close();
    await web.stop();
  }
  return rows;
}
