// Web suite: the storefront's production bundle (gzipped JavaScript and CSS each page loads, as
// listed by its built HTML) and the time until the first page shows its books in headless
// Chromium against the whole system: from navigation start to the first book title painted (the
// browser's Element Timing for the titles' `elementtiming` attribute), with a cold cache (a new
// browser context per load) and warm (a reload). BENCH_WEB_LOADS loads each (default 20).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { launchChromium } from "../../test/support/browser.js";
import { startWebSystem } from "../../test/support/web-system.js";
import { type BenchRow, percentile, round } from "../lib/report.js";

const loads = Number(process.env.BENCH_WEB_LOADS ?? 20);
const dist = new URL("../../web/dist/", import.meta.url).pathname;
const SETTLE_MS = 5000;

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

/**
 * One load, in ms since navigation start: the page's HTML, its scripts run, the first books in the
 * document and painted, and the page's own catalog request (0 when the books came with the HTML).
 */
interface Load {
  html: number;
  scripts: number;
  booksApi: number;
  booksInDom: number;
  firstPaint: number;
  books: number;
}

function timingRow(label: string, loads: Load[]): BenchRow {
  const p50 = (pick: (l: Load) => number) => round(percentile(loads.map(pick), 50), 0);
  const books = loads.map((l) => l.books);
  return {
    suite: "web",
    case: label,
    clients: 1,
    ops_per_s: round(1000 / (books.reduce((a, b) => a + b, 0) / books.length), 1),
    p50_ms: round(percentile(books, 50), 0),
    p99_ms: round(percentile(books, 99), 0),
    loads: loads.length,
    html_p50_ms: p50((l) => l.html),
    books_in_dom_p50_ms: p50((l) => l.booksInDom),
    first_paint_p50_ms: p50((l) => l.firstPaint),
    scripts_p50_ms: p50((l) => l.scripts),
    books_api_p50_ms: p50((l) => l.booksApi),
  };
}

interface Marks {
  firstBooksAt?: number;
  firstBooksPaintedAt?: number;
}

/**
 * Notes, inside the page, when the first book card is added (a MutationObserver set up before the
 * page's own scripts) and when the first book title is painted, so the times do not include the
 * test's round trips to the browser.
 */
function watchFirstBooks(): void {
  const w = window as unknown as Marks;
  new MutationObserver((_, observer) => {
    if (w.firstBooksAt === undefined && document.querySelector("[data-cy=book-card]")) {
      w.firstBooksAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
  new PerformanceObserver((list, observer) => {
    const first = list.getEntries()[0] as (PerformanceEntry & { renderTime: number }) | undefined;
    if (first && w.firstBooksPaintedAt === undefined) {
      w.firstBooksPaintedAt = first.renderTime;
      observer.disconnect();
    }
  }).observe({ type: "element", buffered: true });
}

/** Waits for the first books to be painted and the scripts to have run, then reads the page's timings. */
async function measure(page: import("playwright-core").Page): Promise<Load> {
  await page.waitForFunction(
    () =>
      (window as unknown as Marks).firstBooksPaintedAt !== undefined && document.readyState === "complete",
  );
  return page.evaluate(() => {
    const marks = window as unknown as Required<Marks>;
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    const api = performance.getEntriesByType("resource").find((e) => e.name.includes("/api/books?")) as
      | PerformanceResourceTiming
      | undefined;
    return {
      html: nav.responseEnd,
      scripts: nav.domContentLoadedEventEnd,
      booksApi: api?.responseEnd ?? 0,
      booksInDom: marks.firstBooksAt,
      firstPaint: performance.getEntriesByName("first-paint")[0]?.startTime ?? 0,
      books: marks.firstBooksPaintedAt,
    };
  });
}

export default async function webSuite(): Promise<BenchRow[]> {
  const web = await startWebSystem();
  const browser = await launchChromium();
  // Measured on a running system, not one still starting (elections, the search index's first
  // queries, the dashboard's first scrapes): the loads begin once it has settled.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const rows = [bundleRow("storefront", "index.html"), bundleRow("dashboard", "ops/index.html")];
  try {
    const cold: Load[] = [];
    const warm: Load[] = [];
    for (let i = 0; i < loads + 1; i++) {
      const context = await browser.newContext();
      await context.addInitScript(watchFirstBooks);
      const page = await context.newPage();
      await page.goto(`${web.baseUrl}/`);
      const coldMs = await measure(page);
      await page.reload();
      const warmMs = await measure(page);
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
