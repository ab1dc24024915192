import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { buildRunReport } from '../../report/html';
import { createActivities } from '../../activities';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { depsFor, registerRun, runAllStages, type TestDb, type TestDrop } from '../activities/support';
import { hashDrop } from '../../contracts/drop-hash';
import { launchChromium, SCREENSHOTS, watchForErrors } from '../helpers/browser';

/**
 * The file `acvloop report` writes, opened in chromium with the network cut
 * off: it asks for nothing but itself, every chart is drawn, and printed it
 * drops the navigation, opens the quarantine and makes a PDF.
 */
let db: TestDb;
let drop: TestDrop;
let browser: Browser;
let file: string;
const runId = 'offline-1';

beforeAll(async () => {
  browser = await launchChromium();
  db = await suiteDb('offline_report');
  drop = await smallDrop({ seed: 23, accounts: 500, months: 30 });
  // Two rows the spend contract refuses, so the quarantine has something to fold.
  fs.appendFileSync(path.join(drop.dir, 'spend.csv'), '2026-10,paid_search,not-a-number,USD\n2026-10,no_such_channel,10.00,USD\n');
  drop.sha256 = (await hashDrop(drop.dir)).sha256;
  await registerRun(db, runId, drop);
  await runAllStages(db, runId);
  await createActivities(depsFor(db)).prepareApproval({ runId });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  file = path.join(SCREENSHOTS, 'report-offline.html');
  fs.writeFileSync(file, await buildRunReport(db, runId, { generatedAt: '2026-11-23T00:00:00Z' }));
});

afterAll(async () => {
  await browser?.close();
  await db?.drop();
  drop?.cleanup();
});

describe('the offline report in a browser', () => {
  it('opens with the network off, asks for nothing but itself, and draws every chart', async () => {
    const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const errors = watchForErrors(page);
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`file://${file}`);
    expect(requested).toEqual([`file://${file}`]);
    const sizes = await page.locator('figure.chart svg').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect()).map((b) => [b.width, b.height]));
    expect(sizes.length).toBeGreaterThanOrEqual(8);
    for (const [w, h] of sizes) {
      expect(w).toBeGreaterThan(100);
      expect(h).toBeGreaterThan(50);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('prints without the navigation, with the quarantine opened, to a PDF', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    const quarantined = page.locator('#read details table tbody tr').first();
    expect(await page.locator('#read details').count()).toBeGreaterThan(0);
    // On screen the quarantine is folded away; in print every fold is open.
    expect(await quarantined.isVisible()).toBe(false);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header nav').isVisible()).toBe(false);
    expect(await quarantined.isVisible()).toBe(true);
    const pdfPath = path.join(SCREENSHOTS, 'report.pdf');
    const pdf = await page.pdf({ path: pdfPath, format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // Several pages, each a real page of the report (a PDF counts its pages in /Type /Page objects).
    expect((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBeGreaterThan(3);
    await page.close();
  });
});
