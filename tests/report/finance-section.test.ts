import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { financeOverview } from '../../queries/finance';
import { financeSectionHtml, NO_FINANCE } from '../../report/finance-section';
import { buildRunReport } from '../../report/html';
import { insertFinance, type FinanceLeakageRow, type FinanceMarginRow, type FinanceRunRow, type FinanceTimeToValueRow } from '../../store/finance';
import { inLockedTransaction } from '../../store/transaction';
import { pct, tableAfter, usd } from '../helpers/html-tables';
import { suiteDb } from '../helpers/db';
import { registerRun, type TestDb } from '../activities/support';

/**
 * The report's finance section reads back what the run stored: billed,
 * collected, DSO and overdue; the largest billing gaps; gross margin by lead
 * source with a bar per dollar of spend; time to value by segment. Text from
 * the data is escaped; a run without finance says so in one sentence.
 */
let db: TestDb;
const RUN = 'fin-report-1';
const BARE = 'fin-report-bare';

const run: FinanceRunRow = {
  run_id: RUN, month: '2026-10', as_of: '2026-11-01', overdue_days: 60, invoices: 640,
  billed: 2_500_000.4, collected: 2_000_000.1, dso_days: 37.04, overdue_count: 9, overdue_amount: 61_234.5,
  expected_to_date: 3_100_000, billed_to_date: 2_950_000, leakage: 212_345.6,
  summary: { window: { from: '2025-11', to: '2026-10', asOf: '2026-11-01' } },
};

const leakage: FinanceLeakageRow[] = [
  { rank: 1, contract_id: 'C-<9>&"x"', account_id: "A-O'Brien", elapsed: 0.5041, expected: 120_000.4, billed: 0, gap: 120_000.4 },
  { rank: 2, contract_id: 'C-2', account_id: 'A-2', elapsed: 0.75, expected: 90_000, billed: 15_000.5, gap: 74_999.5 },
  { rank: 3, contract_id: 'C-3', account_id: 'A-3', elapsed: 1, expected: 30_000, billed: 12_654.3, gap: 17_345.7 },
];

const margin = (lead_source: string, channel: string | null, contracts: number, acv: number, cost: number, spend: number | null): FinanceMarginRow => ({
  lead_source, channel, contracts, acv, cost_to_serve: cost, gross_margin: acv - cost, spend,
  margin_per_dollar: spend !== null && spend > 0 ? (acv - cost) / spend : null,
});
/** Three with spend (margin per dollar 3.2, 4.6 and 0.5), one whose channel spent nothing, one without a lead source. */
const margins: FinanceMarginRow[] = [
  margin('webinar', 'webinar', 12, 480_000, 96_000, 120_000),
  margin('review <site>', 'review <site>', 7, 260_000, 30_000, 50_000),
  margin('events', 'events', 2, 60_000, 10_000, 100_000),
  margin('paid_search', 'paid_search', 5, 150_000, 40_000, 0),
  margin('(none)', null, 3, 90_000, 10_000, null),
];
const byMargin = [...margins].sort((a, b) => b.gross_margin - a.gross_margin || (a.lead_source < b.lead_source ? -1 : 1));

const ttv: FinanceTimeToValueRow[] = [
  { segment: 'all', contracts: 40, valued: 27, median_days: 38.5, pending: 13, no_usage: 5, before_usage: 3 },
  { segment: 'enterprise', contracts: 10, valued: 9, median_days: 61, pending: 1, no_usage: 1, before_usage: 2 },
  { segment: 'mid <market>', contracts: 18, valued: 18, median_days: 24.25, pending: 0, no_usage: 2, before_usage: 1 },
  { segment: 'smb', contracts: 12, valued: 0, median_days: null, pending: 12, no_usage: 2, before_usage: 0 },
];

let section: string;

beforeAll(async () => {
  db = await suiteDb('report_finance');
  const sha = 'e'.repeat(64);
  await registerRun(db, RUN, { dir: '/nonexistent/drop', sha256: sha, month: '2026-10' });
  await registerRun(db, BARE, { dir: '/nonexistent/drop', sha256: sha, month: '2026-10' });
  await inLockedTransaction({ db }, `test:${RUN}`, (_client, tx) => insertFinance(tx, run, { leakage, margins, timeToValue: ttv }));
  section = await financeSectionHtml(await financeOverview(db.db, RUN));
});

afterAll(async () => {
  await db?.drop();
});

/** The escaping a page needs, written again: & first, then < > " and '. */
const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

describe('the finance section of the report', () => {
  it('opens with billed, collected and its share, DSO and overdue', () => {
    // 2,000,000.1 / 2,500,000.4 = 0.79999...: 80.0%.
    expect(section).toContain('<p class="headline">Billed $2,500,000, collected $2,000,000 (80.0%), DSO 37 days.</p>');
    expect(section).toContain('Over the 640 invoices issued from 2025-11 to 2026-10');
    expect(section).toContain('Overdue at 2026-11-01: 9 invoices,\n    $61,235 (unpaid past the due date, or after 60 days for an invoice without one)');
  });

  it('lists the largest billing gaps as stored, escaped, beside the totals', () => {
    expect(section).toContain('Active contracts earned $3,100,000 to date');
    expect(section).toContain('were billed $2,950,000; those billed behind what they earned leak $212,346.');
    expect(tableAfter(section, 'Billed behind what was earned')).toEqual(leakage.map((l) => [String(l.rank), html(l.contract_id), html(l.account_id),
      pct(l.elapsed), usd(l.expected), usd(l.billed), usd(l.gap)]));
    expect(section).toContain('<td>C-&lt;9&gt;&amp;&quot;x&quot;</td><td>A-O&#39;Brien</td>');
    expect(section).not.toContain('C-<9>');
  });

  it('gives gross margin by lead source with margin per dollar, and draws a bar per lead source with spend, as tall as its margin per dollar', () => {
    expect(tableAfter(section, 'Gross margin by channel')).toEqual(byMargin.map((m) => [html(m.lead_source), m.channel === null ? '—' : html(m.channel),
      String(m.contracts), usd(m.acv), usd(m.cost_to_serve), usd(m.gross_margin), m.spend === null ? '—' : usd(m.spend),
      m.margin_per_dollar === null ? '—' : m.margin_per_dollar.toFixed(2)]));
    const bars = [...section.matchAll(/<path aria-label="([^"]+): ([\d.]+) of gross margin per dollar of spend" role="graphics-symbol" aria-roledescription="bar" d="M[\d.]+,[\d.]+h[\d.]+v([\d.]+)h/g)]
      .map((m) => ({ source: m[1], label: m[2], height: Number(m[3]) }));
    // (480,000 − 96,000) / 120,000 = 3.2; 230,000 / 50,000 = 4.6; 50,000 / 100,000 = 0.5; no bar without spend.
    expect(bars.map((b) => [b.source, b.label])).toEqual([['webinar', '3.20'], ['review &lt;site&gt;', '4.60'], ['events', '0.50']]);
    expect(bars[0].height / bars[1].height).toBeCloseTo(3.2 / 4.6, 6);
    expect(bars[2].height / bars[1].height).toBeCloseTo(0.5 / 4.6, 6);
    expect(section).not.toContain('review <site>');
  });

  it('gives time to value per segment: median days, first contracts counted, pending; and how many were not counted', () => {
    expect(tableAfter(section, 'Time to value by segment')).toEqual([
      ['enterprise', '10', '9', '61', '1'],
      ['mid &lt;market&gt;', '18', '18', '24.3', '0'],
      ['smb', '12', '0', '—', '12'],
      ['all', '40', '27', '38.5', '13'],
    ]);
    expect(section).toContain('Not counted: 5 first contracts whose account has no usage rows, 3 started before usage.csv begins.');
  });

  it('says in one sentence when the run stored no finance', async () => {
    expect(await financeSectionHtml(await financeOverview(db.db, BARE))).toBe(NO_FINANCE);
    expect(NO_FINANCE).toBe('<p class="empty">This run stored no contract finance: it ran before finance was stored, or has not reached that step yet.</p>');
    const page = await buildRunReport(db, BARE);
    expect(page).toContain(`<section id="finance"><h2>Signed, billed and collected</h2>${NO_FINANCE}</section>`);
  });

  it('sits in the page after the accounts, with its link in the contents', async () => {
    const page = await buildRunReport(db, RUN);
    const ids = [...page.matchAll(/<section id="([^"]+)">/g)].map((m) => m[1]);
    expect(ids.indexOf('finance')).toBe(ids.indexOf('accounts') + 1);
    expect(page).toContain('<a href="#finance">finance</a>');
    expect(page).toContain(`<section id="finance"><h2>Signed, billed and collected</h2>${section}</section>`);
  });
});
