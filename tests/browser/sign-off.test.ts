import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServedRun, type ServedRun } from '../helpers/served-run';
import { launchChromium, runAxe, SCREENSHOTS, watchForErrors } from '../helpers/browser';

/**
 * The sign-off page as a person uses it, in Debian's chromium driven by
 * playwright-core, against a real Temporal and Postgres: sign in with a
 * token, open the run list, open the run, see every chart drawn, have a
 * viewer's and the requester's approval refused in words, approve as a
 * configured approver, watch the run complete, and have a decision from a
 * page left open since then refused as already decided. Screenshots land in tests/output/browser/.
 */
const TOKENS = { erin: 'erin-browser-token-1', gus: 'gus-browser-token-2', dee: 'dee-browser-token-3', fay: 'fay-browser-token-4' };
let served: ServedRun;
let db: ServedRun['db'];
let base: string;
let runId: string;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  served = await startServedRun('browser', { seed: 17, requestedBy: 'dee', reviewers: [
    { name: 'erin', roles: ['approver'], token: TOKENS.erin },
    { name: 'gus', roles: ['viewer'], token: TOKENS.gus },
    { name: 'dee', roles: ['approver'], token: TOKENS.dee },
    { name: 'fay', roles: ['approver'], token: TOKENS.fay },
  ] });
  ({ db, base, runId } = served);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

/** A fresh browser profile signed in through the login form, as a reviewer would. */
async function signIn(token: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await page.goto(base + '/');
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.getByLabel('Your reviewer token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(base + '/');
  return { context, page, errors };
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });

describe('the sign-off page in a browser', () => {
  it('shows a viewer the run list and every chart, and refuses a viewer\'s approval in words', async () => {
    const { context, page, errors } = await signIn(TOKENS.gus);
    const row = page.getByRole('row').filter({ hasText: runId });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toMatch(/awaiting_approval\s+dee\s+—/);
    await shot(page, 'run-list.png');

    await row.getByRole('link', { name: runId }).click();
    await page.waitForURL(`${base}/runs/${encodeURIComponent(runId)}`);
    // Every chart is an SVG the browser laid out with a real size; no figure fell back to "no data".
    const charts = await page.locator('figure.chart').evaluateAll((figs) => figs.map((f) => {
      const svg = f.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      return { svg: !!svg, width: box?.width ?? 0, height: box?.height ?? 0, marks: svg?.querySelectorAll('path, rect, line, circle, text').length ?? 0 };
    }));
    expect(charts.length).toBeGreaterThanOrEqual(8);
    for (const c of charts) {
      expect(c.svg).toBe(true);
      expect(c.width).toBeGreaterThan(100);
      expect(c.height).toBeGreaterThan(50);
      expect(c.marks).toBeGreaterThan(5);
    }
    await expect.poll(() => page.locator('p.empty', { hasText: 'No data for this chart' }).count()).toBe(0);
    for (const id of ['summary', 'read', 'attribution', 'kpi', 'forecast', 'renewals', 'budget', 'governance', 'lineage', 'decision']) {
      expect(await page.locator(`section#${id} h2`).isVisible()).toBe(true);
    }
    expect(await page.locator('#decision').innerText()).toContain('gus is a viewer: viewers see everything and cannot decide');

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForLoadState();
    const alert = page.getByRole('alert');
    expect(await alert.innerText()).toBe("Refused: gus is a viewer in the run's config; only an approver may decide");
    await shot(page, 'run-page-viewer-refused.png');
    // The refusal is the one error response; nothing else failed on the way.
    expect(errors).toEqual([`HTTP 409 POST /runs/${encodeURIComponent(runId)}/decide`]);
    // The attempt is on the record, and nothing was decided.
    const refused = await db.db.selectFrom('audit_log').select('actor').where('run_id', '=', runId).where('action', '=', 'decision.refused').execute();
    expect(refused.map((r) => r.actor)).toEqual(['gus']);  // so far
    expect(await db.db.selectFrom('approval_decisions').select('reviewer').where('run_id', '=', runId).execute()).toEqual([]);
    await context.close();
  });

  it('opens the run page with the decision: the first section a reader meets names what is asked and each channel\'s ROI against 1', async () => {
    const { context, page, errors } = await signIn(TOKENS.gus);
    await page.goto(`${base}/runs/${encodeURIComponent(runId)}`);
    const first = page.locator('main > section').first();
    expect(await first.getAttribute('id')).toBe('summary');
    expect(await page.locator('h2').first().innerText()).toBe('The decision');
    // It is on the first screen, above the files and their hashes.
    const top = await first.evaluate((el) => el.getBoundingClientRect().top);
    expect(top).toBeLessThan(900);
    expect(top).toBeLessThan(await page.locator('section#read').evaluate((el) => el.getBoundingClientRect().top));

    const text = await first.innerText();
    const request = (await db.pool.query('select required_approvers, sign_off from approval_requests where run_id = $1', [runId])).rows[0];
    expect(request.required_approvers).toBeGreaterThan(0);
    expect(text).toContain(`${request.required_approvers} approver${request.required_approvers === 1 ? '' : 's'} must sign off on:`);
    for (const family of request.sign_off.promotion) expect(text).toMatch(new RegExp(`Promote the new [a-z_, ]*\\b${family}\\b[a-z_, ]* models?`));
    if (request.sign_off.budget.share !== null) expect(text).toContain(`Apply the budget move of ${(request.sign_off.budget.share * 100).toFixed(1)}% of monthly spend`);

    // Each channel's ROI against 1, in words, as its stored 80% interval says; and the chart of the same is drawn.
    const inc = await db.pool.query(`select channel, (detail->'roi'->>'p10')::float8 as lo, (detail->'roi'->>'p90')::float8 as hi from incrementality where run_id = $1 and roi is not null`, [runId]);
    expect(inc.rowCount).toBeGreaterThan(0);
    for (const i of inc.rows) {
      const standing = i.lo > 1 ? 'above break-even' : i.hi < 1 ? 'below break-even' : 'cannot tell';
      const row = first.getByRole('row').filter({ has: page.getByRole('cell', { name: i.channel, exact: true }) });
      expect(await row.innerText(), i.channel).toMatch(new RegExp(`^${i.channel}\\s+[\\d.]+\\s+[\\d.]+ – [\\d.]+\\s+${standing}$`));
    }
    const chart = await first.locator('figure.chart svg').evaluate((svg) => svg.getBoundingClientRect().toJSON());
    expect(chart.width).toBeGreaterThan(100);
    expect(chart.height).toBeGreaterThan(50);
    await shot(page, 'run-page-summary.png');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('passes an accessibility check (axe-core) on the sign-in, run list and run pages: no violation at all, serious or not', async () => {
    // The check itself works: it finds planted violations (an image without alt text, an unlabelled input).
    const probe = await browser.newPage();
    await probe.setContent('<!doctype html><html lang="en"><title>x</title><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text"></main></html>');
    expect((await runAxe(probe)).map((v) => v.id)).toEqual(expect.arrayContaining(['image-alt', 'label']));
    await probe.close();

    const described = (vs: Awaited<ReturnType<typeof runAxe>>) => vs.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} node(s), e.g. ${v.nodes[0]?.target.join(' ')}`);
    const login = await browser.newPage();
    await login.goto(`${base}/login`);
    expect(described(await runAxe(login)), 'sign-in page').toEqual([]);
    await login.close();
    const { context, page } = await signIn(TOKENS.erin);
    expect(described(await runAxe(page)), 'run list').toEqual([]);
    await page.goto(`${base}/runs/${encodeURIComponent(runId)}`);
    expect(described(await runAxe(page)), 'run page').toEqual([]);
    await context.close();
  });

  it('takes an approver\'s approval on the page and shows the run completed; a stale page\'s decision is refused', async () => {
    // Another approver has the page open, and will press Approve after the run is decided.
    const stale = await signIn(TOKENS.fay);
    await stale.page.goto(`${base}/runs/${encodeURIComponent(runId)}`);
    // The requester is refused by the four-eyes rule, in words.
    const own = await signIn(TOKENS.dee);
    await own.page.goto(`${base}/runs/${encodeURIComponent(runId)}`);
    await own.page.getByRole('button', { name: 'Approve' }).click();
    await own.page.waitForLoadState();
    expect(await own.page.getByRole('alert').innerText()).toBe('Refused: dee requested this run and cannot decide on it (four-eyes rule)');
    await own.context.close();

    const { context, page, errors } = await signIn(TOKENS.erin);
    await page.getByRole('link', { name: runId }).click();
    await page.waitForURL(`${base}/runs/${encodeURIComponent(runId)}`);
    await shot(page, 'run-page.png');
    await page.getByLabel('Reason (required to reject)').fill('numbers reconcile with the ledger');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${base}/runs/${encodeURIComponent(runId)}`);
    // Publishing follows the approval; a reviewer reloads until the run says it is done.
    await expect.poll(async () => {
      await page.reload();
      return page.locator('#decision').innerText();
    }, { timeout: 60_000, interval: 500 }).toContain('The run is completed: it takes no more decisions.');
    expect(await page.locator('header').innerText()).toContain('status completed');
    expect(await page.locator('#decision table').innerText()).toMatch(/erin\s+approved\s+numbers reconcile with the ledger/);
    await shot(page, 'run-page-approved.png');
    expect(errors).toEqual([]);
    expect((await served.t.client.workflow.getHandle(runId).result()).status).toBe('completed');

    await stale.page.getByRole('button', { name: 'Approve' }).click();
    await stale.page.waitForLoadState();
    expect(await stale.page.getByRole('alert').innerText()).toMatch(/^Refused: the run was already approved by erin at \d{4}-\d\d-\d\dT/);
    expect(await stale.page.locator('#decision').innerText()).toContain('The run is completed: it takes no more decisions.');
    await stale.context.close();
    const refusals = await db.db.selectFrom('audit_log').select('actor').where('run_id', '=', runId).where('action', '=', 'decision.refused').orderBy('id').execute();
    expect(refusals.map((r) => r.actor)).toEqual(['gus', 'dee', 'fay']);

    // Back on the list, the run shows who decided.
    await page.goto(base + '/');
    expect(await page.getByRole('row').filter({ hasText: runId }).innerText()).toMatch(/completed\s+dee\s+erin/);
    for (const f of ['run-list.png', 'run-page.png', 'run-page-viewer-refused.png', 'run-page-approved.png']) {
      expect(fs.statSync(path.join(SCREENSHOTS, f)).size).toBeGreaterThan(10_000);
    }
    await context.close();
  });
});
