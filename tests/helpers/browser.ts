import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * A real browser for the page tests: Debian's chromium (or CHROMIUM_PATH),
 * driven by playwright-core, which downloads no browser of its own. A
 * missing chromium fails the test with what to install: a browser test that
 * skipped itself would pass without testing anything.
 */
export const SCREENSHOTS = path.resolve(__dirname, '../output/browser');

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`no chromium at ${candidates.join(', ')}: install Debian's (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`);
  return found;
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root in a container, where chromium's sandbox cannot start;
  // --disable-dev-shm-usage: a container's small /dev/shm crashes its renderer.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/**
 * Console errors, uncaught page errors, failed requests and HTTP errors, as
 * they happen. An HTTP error is listed as `HTTP <status> <method> <path>`
 * (chromium's own "Failed to load resource" console line says the same
 * without naming the request, so it is left out).
 */
export function watchForErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`); });
  return errors;
}

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

/**
 * Runs axe-core in the page. The page's CSP forbids every script, so the
 * check runs in a copy of the page with CSP bypassed: the same HTML and
 * styles, only axe added.
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  const html = await page.content();
  const checker = await page.context().browser()!.newContext({ bypassCSP: true, viewport: page.viewportSize() ?? undefined });
  try {
    const copy = await checker.newPage();
    await copy.setContent(html);
    const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    await copy.addScriptTag({ content: axeSource });
    // This function runs in the page (no DOM types in this Node project: the page's globals are typed by hand).
    const result = await copy.evaluate(async () => {
      type Axe = { run: (ctx: unknown, opts: object) => Promise<{ violations: AxeViolation[] }> };
      const page = globalThis as unknown as { axe: Axe; document: unknown };
      const r = await page.axe.run(page.document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.map(String) })) }));
    });
    return result;
  } finally {
    await checker.close();
  }
}
