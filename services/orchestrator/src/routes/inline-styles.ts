// The front page's stylesheets inlined into its HTML: a stylesheet blocks rendering, so a fresh tab
// would otherwise style and paint nothing until it had fetched it. The content security policy then
// allows exactly these styles by their hashes, so no other inline style can apply.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** A built page's stylesheet link (Vite writes them so); the name cannot leave the assets folder. */
const STYLESHEET_LINK = /<link rel="stylesheet"[^>]*? href="\/assets\/([\w.-]+\.css)"[^>]*>/g;

export interface InlinedPage {
  html: string;
  /** CSP sources for the inlined styles, e.g. `'sha256-…'`. */
  styleHashes: string[];
}

export async function inlineStylesheets(html: string, assetsDir: string): Promise<InlinedPage> {
  let inlined = html;
  const styleHashes: string[] = [];
  for (const [link, file] of html.matchAll(STYLESHEET_LINK)) {
    const css = await readFile(join(assetsDir, file as string), "utf8");
    // Cannot happen in a built stylesheet, but would end the element early: keep the link.
    if (/<\/style/i.test(css)) continue;
    styleHashes.push(`'sha256-${createHash("sha256").update(css).digest("base64")}'`);
    inlined = inlined.replace(link, () => `<style>${css}</style>`);
  }
  return { html: inlined, styleHashes };
}
