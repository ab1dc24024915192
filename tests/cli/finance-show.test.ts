import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFinance } from '../../activities/finance';
import { financeRun, insertFinance, type FinanceLeakageRow, type FinanceMarginRow, type FinanceRunRow, type FinanceTimeToValueRow } from '../../store/finance';
import { inLockedTransaction } from '../../store/transaction';
import { acvloop } from '../helpers/cli';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { callStage, depsFor, registerRun, STAGES, type TestDb, type TestDrop } from '../activities/support';

/**
 * `show` carries a run's contract finance (issue 17, parts 1-3): `--json`
 * under `finance` exactly as stored (USD and days, unrounded), the text a
 * short block of the headline figures, the largest billing gaps, margin by
 * channel and time to value; a run without finance says nothing of it and
 * carries null. And end to end: finance stored from an ingested and validated
 * drop reads back through `show --json` as the stage stored it.
 */
let db: TestDb;
let env: NodeJS.ProcessEnv;
const RUN = 'fin-cli-1';
const BARE = 'fin-cli-bare';
/** A run whose stored summary has no window (the window is the run's month's). */
const NO_WINDOW = 'fin-cli-nowindow';
const TABLES = ['finance_runs', 'finance_leakage', 'finance_channel_margins', 'finance_time_to_value'];

const run: FinanceRunRow = {
  run_id: RUN, month: '2026-10', as_of: '2026-11-01', overdue_days: 45, invoices: 812,
  billed: 1_234_567.891, collected: 987_654.321, dso_days: 41.27, overdue_count: 17, overdue_amount: 45_678.9,
  expected_to_date: 2_345_678.5, billed_to_date: 2_100_000.25, leakage: 310_222.75,
  summary: { window: { from: '2025-11', to: '2026-10', asOf: '2026-11-01' } },
};

/** Five gaps, largest first; the first contract's id carries characters a page must escape. */
const leakage: FinanceLeakageRow[] = [
  { rank: 1, contract_id: 'C-<101>&"a"', account_id: 'A-7', elapsed: 0.5041, expected: 120_000.4, billed: 0, gap: 120_000.4 },
  { rank: 2, contract_id: 'C-102', account_id: 'A-8', elapsed: 0.75, expected: 90_000, billed: 15_000.5, gap: 74_999.5 },
  { rank: 3, contract_id: 'C-103', account_id: 'A-9', elapsed: 0.25, expected: 60_000, billed: 10_000, gap: 50_000 },
  { rank: 4, contract_id: 'C-104', account_id: 'A-10', elapsed: 0.9, expected: 45_000, billed: 9_000, gap: 36_000 },
  { rank: 5, contract_id: 'C-105', account_id: 'A-11', elapsed: 1, expected: 30_000, billed: 800.15, gap: 29_199.85 },
];

/** Stored in an order other than by margin (the read sorts); one without spend in the window, one without a lead source. */
const margin = (lead_source: string, channel: string | null, contracts: number, acv: number, cost: number, spend: number | null): FinanceMarginRow => ({
  lead_source, channel, contracts, acv, cost_to_serve: cost, gross_margin: acv - cost, spend,
  margin_per_dollar: spend !== null && spend > 0 ? (acv - cost) / spend : null,
});
const margins: FinanceMarginRow[] = [
  margin('paid_search', 'paid_search', 5, 150_000, 40_000.5, 0),
  margin('webinar', 'webinar', 12, 480_000.5, 96_000.25, 120_000),
  margin('(none)', null, 3, 90_000, 10_000, null),
  margin('review <site>', 'review <site>', 7, 260_000, 30_000, 50_000),
];
const byMargin = [...margins].sort((a, b) => b.gross_margin - a.gross_margin || (a.lead_source < b.lead_source ? -1 : 1));

const ttv: FinanceTimeToValueRow[] = [
  { segment: 'smb', contracts: 12, valued: 0, median_days: null, pending: 12, no_usage: 2, before_usage: 0 },
  { segment: 'all', contracts: 40, valued: 27, median_days: 38.5, pending: 13, no_usage: 5, before_usage: 3 },
  { segment: 'enterprise', contracts: 10, valued: 9, median_days: 61, pending: 1, no_usage: 1, before_usage: 2 },
  { segment: 'mid_market', contracts: 18, valued: 18, median_days: 24.25, pending: 0, no_usage: 2, before_usage: 1 },
];

/** What `show --json` must carry, written out from the stored rows field by field. */
const expectedFinance = {
  month: '2026-10', window: { from: '2025-11', to: '2026-10', asOf: '2026-11-01' }, overdueDays: 45, invoices: 812,
  billed: run.billed, collected: run.collected, collectedShare: run.collected / run.billed, dsoDays: 41.27,
  overdue: { count: 17, amount: 45_678.9 },
  billedVsContracted: {
    expected: 2_345_678.5, billed: 2_100_000.25, leakage: 310_222.75,
    largest: leakage.map((l) => ({ rank: l.rank, contractId: l.contract_id, accountId: l.account_id, elapsed: l.elapsed, expected: l.expected, billed: l.billed, gap: l.gap })),
  },
  grossMarginByChannel: byMargin.map((m) => ({ leadSource: m.lead_source, channel: m.channel, contracts: m.contracts, acv: m.acv, costToServe: m.cost_to_serve,
    margin: m.gross_margin, spend: m.spend, marginPerDollar: m.margin_per_dollar })),
  timeToValue: {
    overall: { segment: 'all', contracts: 40, valued: 27, medianDays: 38.5, pending: 13, noUsage: 5, beforeUsage: 3 },
    bySegment: ['enterprise', 'mid_market', 'smb'].map((s) => ttv.find((t) => t.segment === s)!).map((t) => ({
      segment: t.segment, contracts: t.contracts, valued: t.valued, medianDays: t.median_days, pending: t.pending, noUsage: t.no_usage, beforeUsage: t.before_usage })),
  },
};

beforeAll(async () => {
  db = await suiteDb('cli_finance');
  env = { DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema };
  const sha = 'f'.repeat(64);
  await registerRun(db, RUN, { dir: '/nonexistent/drop', sha256: sha, month: '2026-10' });
  await registerRun(db, BARE, { dir: '/nonexistent/drop', sha256: sha, month: '2026-10' });
  await registerRun(db, NO_WINDOW, { dir: '/nonexistent/drop', sha256: sha, month: '2026-07' });
  await inLockedTransaction({ db }, `test:${RUN}`, (_client, tx) => insertFinance(tx, run, { leakage, margins, timeToValue: ttv }));
  await inLockedTransaction({ db }, `test:${NO_WINDOW}`, (_client, tx) => insertFinance(tx,
    { ...run, run_id: NO_WINDOW, month: '2026-07', as_of: '2026-08-01', invoices: 1, billed: 0, collected: 0, dso_days: null, overdue_count: 1, overdue_amount: 500,
      summary: {} },
    { leakage: [], margins: [], timeToValue: [] }));
});

afterAll(async () => {
  await db?.drop();
});

const usd = (n: number) => `${n < 0 ? '-' : ''}$${Math.abs(Math.round(n)).toLocaleString('en-US')}`;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A line of a padded text table holding these cells in order, and nothing else. */
const row = (cells: (string | number)[]) => new RegExp(`^\\s*${cells.map((c) => escapeRe(String(c))).join('\\s+')}$`, 'm');

async function showJson(runId: string) {
  const r = await acvloop(['show', runId, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('show: the run\'s contract finance', () => {
  it('--json carries `finance` as stored, and lists the finance tables among the outputs', async () => {
    const j = await showJson(RUN);
    expect(j.finance).toEqual(expectedFinance);
    expect(j.outputs.tables).toEqual(expect.arrayContaining(TABLES));
  });

  it('--json gives null and lists no finance table for a run without finance; a stored summary without a window reads the run\'s month\'s', async () => {
    const none = await showJson(BARE);
    expect(none.finance).toBeNull();
    for (const t of TABLES) expect(none.outputs.tables).not.toContain(t);
    const old = await showJson(NO_WINDOW);
    // Twelve months ending with 2026-07, read at its month end.
    expect(old.finance.window).toEqual({ from: '2025-08', to: '2026-07', asOf: '2026-08-01' });
    expect(old.finance.collectedShare).toBeNull();
    expect(old.finance.billedVsContracted.largest).toEqual([]);
    expect(old.finance.timeToValue).toEqual({ overall: null, bySegment: [] });
    // Nothing billed: no share, no DSO; one invoice reads as one.
    const text = await acvloop(['show', NO_WINDOW], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Billed and collected (12 months to 2026-07, 2025-08..2026-07)\n' +
      '  Billed $0 over 1 invoice, collected $0 (—), DSO —; overdue 1 invoice, $500 (unpaid past the due date, or after 45 days without one)\n');
  });

  it('the text says billed, collected (share), DSO, overdue, leakage with the three largest gaps, margin by channel and time to value', async () => {
    const shown = await acvloop(['show', RUN], env);
    expect(shown.code, shown.stderr).toBe(0);
    const out = shown.stdout;
    expect(out).toContain('Billed and collected (12 months to 2026-10, 2025-11..2026-10)');
    // 987,654.321 / 1,234,567.891 = 0.79999...: 80.0%.
    expect(out).toContain('Billed $1,234,568 over 812 invoices, collected $987,654 (80.0%), DSO 41.3 days; overdue 17 invoices, $45,679 ' +
      '(unpaid past the due date, or after 45 days without one)');
    expect(out).toContain('leakage): $310,223 (expected to date $2,345,679, billed $2,100,000); largest gaps C-<101>&"a" $120,000, C-102 $75,000, C-103 $50,000\n');
    expect(out).not.toContain('C-104');
    for (const m of byMargin) {
      expect(out).toMatch(row([m.lead_source, m.contracts, usd(m.acv), usd(m.cost_to_serve), usd(m.gross_margin), m.spend === null ? '—' : usd(m.spend),
        m.margin_per_dollar === null ? '—' : m.margin_per_dollar.toFixed(2)]));
    }
    // webinar: (480,000.5 − 96,000.25) / 120,000 = 3.20; review <site>: 230,000 / 50,000 = 4.60.
    expect(out).toMatch(row(['webinar', 12, '$480,001', '$96,000', '$384,000', '$120,000', '3.20']));
    expect(out).toMatch(row(['review <site>', 7, '$260,000', '$30,000', '$230,000', '$50,000', '4.60']));
    expect(out).toMatch(row(['enterprise', 10, 9, 61, 1]));
    expect(out).toMatch(row(['mid_market', 18, 18, 24.3, 0]));
    expect(out).toMatch(row(['smb', 12, 0, '—', 12]));
    expect(out).toMatch(row(['all', 40, 27, 38.5, 13]));
  });

  it('the text says nothing of finance for a run without it', async () => {
    const none = await acvloop(['show', BARE], env);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).not.toContain('Billed and collected');
    expect(none.stdout).not.toContain('finance_runs');
  });
});

describe('show --json after storeFinance on an ingested and validated drop', () => {
  const E2E = 'fin-cli-e2e';
  let drop: TestDrop;
  let stored: Awaited<ReturnType<typeof storeFinance>>;

  beforeAll(async () => {
    drop = await smallDrop({ seed: 23, accounts: 150, months: 24 });
    await registerRun(db, E2E, drop);
    for (const stage of STAGES.slice(0, STAGES.indexOf('validate') + 1)) await callStage(db, stage, E2E);
    stored = await storeFinance(depsFor(db), E2E);
  }, 600_000);

  afterAll(() => drop?.cleanup());

  it('carries the billed, collected and DSO the stage stored', async () => {
    const row = (await financeRun(db.db, E2E))!;
    expect(row.billed).toBeGreaterThan(0);
    const f = (await showJson(E2E)).finance;
    expect(f.billed).toBe(row.billed);
    expect(f.billed).toBe(stored.billed);
    expect(f.collected).toBe(stored.collected);
    expect(f.dsoDays).toBe(stored.dsoDays);
    expect(f.overdue.count).toBe(stored.overdue);
    expect(f.billedVsContracted.leakage).toBe(stored.leakage);
    expect(f.grossMarginByChannel).toHaveLength(stored.channels);
    expect(f.timeToValue.bySegment).toHaveLength(stored.segments);
    expect(f.month).toBe(drop.month);
  });
});
