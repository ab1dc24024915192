/**
 * Contract finance of a run through ingest and validate on real Postgres
 * (storeFinance needs nothing later: it reads the validated batch), checked
 * against the drop's own CSV files read here with the test's code and its
 * own FX lookup: billed, collected, DSO and gross margin by lead source to
 * 0.5%, overdue and time-to-value counts exactly, time to value against the
 * lags truth.json planted; a retry stores nothing twice.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { storeFinance } from '../../activities/finance';
import { hashDrop } from '../../contracts/drop-hash';
import { financeRowsOf, financeRun } from '../../store/finance';
import { fxRateOf } from '../helpers/fx';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { callStage, copyDrop, csvObjects, depsFor, fingerprints, readCsv, registerRun, STAGES, writeCsv, type TestDb, type TestDrop } from './support';

let db: TestDb;
let drop: TestDrop;
const RUN = 'finance-1';
const LEAK_RUN = 'finance-leak';
/** The run's month is the drop's last (2026-10): the window is 2025-11 .. 2026-10, the month end 2026-11-01. */
const FROM = '2025-11';
const TO = '2026-10';
const AS_OF = '2026-11-01';
const DAY = 86_400_000;
const FINANCE_TABLES = ['finance_runs', 'finance_leakage', 'finance_channel_margins', 'finance_time_to_value'];

let csv: Record<'invoices' | 'contracts' | 'opportunities' | 'spend' | 'fx_rates' | 'accounts' | 'usage', Record<string, string>[]>;
/** The spec's FX rule, written again: the rate of the value's month, else of the latest earlier month with one. */
let rate: (currency: string, month: string) => number;
let first: Awaited<ReturnType<typeof storeFinance>>;

beforeAll(async () => {
  db = await suiteDb('act_finance');
  drop = await smallDrop({ seed: 11, accounts: 400, months: 30 });
  await registerRun(db, RUN, drop);
  for (const stage of STAGES.slice(0, STAGES.indexOf('validate') + 1)) await callStage(db, stage, RUN);
  first = await storeFinance(depsFor(db), RUN);
  const read = (f: string) => csvObjects(path.join(drop.dir, `${f}.csv`));
  csv = { invoices: read('invoices'), contracts: read('contracts'), opportunities: read('opportunities'), spend: read('spend'),
    fx_rates: read('fx_rates'), accounts: read('accounts'), usage: read('usage') };
  rate = fxRateOf(csv.fx_rates);
}, 600_000);

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
});

const within = (actual: number, want: number) => expect(Math.abs(actual / want - 1), `${actual} vs ${want}`).toBeLessThan(0.005);

describe('storeFinance', () => {
  it('bills, collects and waits (DSO) as the invoices of the last twelve months say, in USD at their issue month', async () => {
    const window = csv.invoices.filter((i) => i.issued_at.slice(0, 7) >= FROM && i.issued_at.slice(0, 7) <= TO);
    const usd = (i: Record<string, string>) => Number(i.amount) * rate(i.currency, i.issued_at.slice(0, 7));
    const paid = window.filter((i) => i.paid_at !== '' && i.paid_at < AS_OF);
    const billed = window.reduce((s, i) => s + usd(i), 0);
    const collected = paid.reduce((s, i) => s + usd(i), 0);
    const positive = paid.filter((i) => usd(i) > 0);
    const dso = positive.reduce((s, i) => s + usd(i) * (Date.parse(i.paid_at) - Date.parse(i.issued_at)) / DAY, 0) / positive.reduce((s, i) => s + usd(i), 0);
    // Overdue: unpaid at the month end and past its due date when the row has one (invoices 1.1.0), else older than 60 days.
    const late = (i: Record<string, string>) => (i.due_at ? i.due_at < AS_OF : (Date.parse(AS_OF) - Date.parse(i.issued_at)) / DAY > 60);
    const overdue = window.filter((i) => !(i.paid_at !== '' && i.paid_at < AS_OF) && usd(i) > 0 && late(i));
    // The drop has both: invoices paid (most) and invoices unpaid long enough to be overdue.
    expect(paid.length).toBeGreaterThan(window.length / 2);
    expect(overdue.length).toBeGreaterThan(0);

    const run = (await financeRun(db.db, RUN))!;
    expect(run).toMatchObject({ month: TO, as_of: AS_OF, overdue_days: 60, invoices: window.length, overdue_count: overdue.length });
    within(run.billed, billed);
    within(run.collected, collected);
    within(run.dso_days!, dso);
    within(run.overdue_amount, overdue.reduce((s, i) => s + usd(i), 0));
    expect(first).toMatchObject({ overdue: overdue.length, reused: false });
    within(first.billed, billed);
  });

  it('sums the gross margin of active contracts by their opportunity\'s lead source, per dollar of the channel\'s spend', async () => {
    const sourceOf = new Map(csv.opportunities.map((o) => [o.opportunity_id, o.lead_source === '' ? '(none)' : o.lead_source]));
    const want = new Map<string, { contracts: number; margin: number }>();
    for (const c of csv.contracts) {
      if (c.status !== 'active' || c.opportunity_id === '' || c.start_date >= AS_OF) continue;
      const r = rate(c.currency, c.start_date.slice(0, 7));
      const acv = Number(c.total_value) * r / (Number(c.term_months) / 12);
      const cost = c.cost_to_serve_annual === '' ? 0 : Number(c.cost_to_serve_annual) * r;
      const key = sourceOf.get(c.opportunity_id)!;
      const line = want.get(key) ?? { contracts: 0, margin: 0 };
      want.set(key, { contracts: line.contracts + 1, margin: line.margin + acv - cost });
    }
    const spend = new Map<string, number>();
    for (const s of csv.spend) {
      if (s.month < FROM || s.month > TO) continue;
      spend.set(s.channel, (spend.get(s.channel) ?? 0) + Number(s.amount) * rate(s.currency, s.month));
    }
    const { margins } = await financeRowsOf(db.db, RUN);
    expect(margins.map((m) => m.lead_source).sort()).toEqual([...want.keys()].sort());
    expect(margins.length).toBeGreaterThan(3);
    for (const m of margins) {
      const w = want.get(m.lead_source)!;
      expect(m.contracts, m.lead_source).toBe(w.contracts);
      within(m.gross_margin, w.margin);
      const spent = spend.get(m.lead_source) ?? 0;
      if (m.lead_source === '(none)' || spent === 0) expect(m.margin_per_dollar, m.lead_source).toBeNull();
      else within(m.margin_per_dollar!, w.margin / spent);
    }
    expect(margins.some((m) => m.margin_per_dollar !== null)).toBe(true);
  });

  it('counts every first contract once in time to value: valued, pending, without usage or started before usage.csv covers', async () => {
    const firstOf = new Map<string, Record<string, string>>();
    for (const c of csv.contracts) {
      if (c.start_date >= AS_OF) continue;
      const k = firstOf.get(c.account_id);
      if (!k || c.start_date < k.start_date || (c.start_date === k.start_date && c.contract_id < k.contract_id)) firstOf.set(c.account_id, c);
    }
    const seen = csv.usage.filter((u) => u.month <= TO);
    const tracked = new Set(seen.map((u) => u.account_id));
    const coverageFrom = seen.map((u) => u.month).sort()[0];
    const { timeToValue } = await financeRowsOf(db.db, RUN);
    const all = timeToValue.find((t) => t.segment === 'all')!;
    expect(all.contracts + all.no_usage + all.before_usage).toBe(firstOf.size);
    expect(all.no_usage).toBe([...firstOf.keys()].filter((a) => !tracked.has(a)).length);
    expect(all.before_usage).toBe([...firstOf.values()].filter((c) => tracked.has(c.account_id) && c.start_date.slice(0, 7) < coverageFrom).length);
    expect(all.valued + all.pending).toBe(all.contracts);
    expect(all.median_days).not.toBeNull();
    const segments = timeToValue.filter((t) => t.segment !== 'all');
    expect(segments.reduce((s, t) => s + t.contracts, 0)).toBe(all.contracts);

    // The planted truth (generator/usage-lag.ts): a first contract's users show lagMonths after its start month, so
    // per segment the valued are those whose lag ends by the run's month, the pending the others, and the median
    // days run from the start to the first day of start month + lag (0 when users show in the start month).
    const truth = JSON.parse(readFileSync(path.join(drop.dir, 'truth.json'), 'utf8')) as { timeToValue: { firstContracts: { ids: string[]; lagMonths: number[] } } };
    const lagOf = new Map(truth.timeToValue.firstContracts.ids.map((id, i) => [id, truth.timeToValue.firstContracts.lagMonths[i]]));
    const segmentOf = new Map(csv.accounts.map((a) => [a.account_id, a.segment]));
    const monthNumber = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
    const planted = new Map<string, { days: number[]; pending: number }>();
    for (const c of firstOf.values()) {
      if (!tracked.has(c.account_id) || c.start_date.slice(0, 7) < coverageFrom) continue;
      const valueMonth = monthNumber(c.start_date) + lagOf.get(c.contract_id)!;
      const line = planted.get(segmentOf.get(c.account_id)!) ?? { days: [], pending: 0 };
      planted.set(segmentOf.get(c.account_id)!, line);
      if (valueMonth > monthNumber(TO)) { line.pending++; continue; }
      const firstDay = Date.UTC(Math.floor(valueMonth / 12), valueMonth % 12, 1);
      line.days.push(Math.max(0, (firstDay - Date.parse(c.start_date)) / DAY));
    }
    const median = (xs: number[]) => { const v = [...xs].sort((a, b) => a - b); const k = v.length >> 1; return v.length % 2 ? v[k] : (v[k - 1] + v[k]) / 2; };
    expect(segments.map((t) => t.segment).sort()).toEqual([...planted.keys()].sort());
    for (const t of segments) {
      const p = planted.get(t.segment)!;
      expect({ valued: t.valued, pending: t.pending }, t.segment).toEqual({ valued: p.days.length, pending: p.pending });
      if (p.days.length > 0) expect(Number(t.median_days), t.segment).toBeCloseTo(median(p.days), 6);
    }
  });

  it('lists billing gaps of active contracts, largest first, and stores nothing twice on a retry', async () => {
    const { leakage } = await financeRowsOf(db.db, RUN);
    for (let i = 1; i < leakage.length; i++) expect(leakage[i].gap).toBeLessThanOrEqual(leakage[i - 1].gap);
    expect(leakage.map((l) => l.rank)).toEqual(leakage.map((_, i) => i + 1));
    const before = await fingerprints(db, FINANCE_TABLES);
    const again = await storeFinance(depsFor(db), RUN);
    expect(again).toEqual({ ...first, reused: true });
    expect(await fingerprints(db, FINANCE_TABLES)).toEqual(before);
  });

  it('finds planted leakage: active contracts whose invoices were taken out of the drop, each short by the value it earned', async () => {
    // Three active contracts in the middle of their terms lose every invoice.
    const planted = csv.contracts.filter((c) => c.status === 'active' && c.start_date < '2026-04-01' && c.end_date > AS_OF).slice(0, 3);
    expect(planted.length).toBe(3);
    const gone = new Set(planted.map((c) => c.contract_id));
    const dir = copyDrop(drop.dir, 'leak');
    try {
      const { header, records } = readCsv(path.join(dir, 'invoices.csv'));
      const contractAt = header.indexOf('contract_id');
      writeCsv(path.join(dir, 'invoices.csv'), header, records.map((r) => r.values).filter((v) => !gone.has(v[contractAt])));
      await registerRun(db, LEAK_RUN, { dir, sha256: (await hashDrop(dir)).sha256, month: drop.month });
      for (const stage of STAGES.slice(0, STAGES.indexOf('validate') + 1)) await callStage(db, stage, LEAK_RUN);
      await storeFinance(depsFor(db), LEAK_RUN);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const { leakage } = await financeRowsOf(db.db, LEAK_RUN);
    const byId = new Map(leakage.map((l) => [l.contract_id, l]));
    for (const c of planted) {
      const earned = Number(c.total_value) * rate(c.currency, c.start_date.slice(0, 7))
        * (Date.parse(AS_OF) - Date.parse(c.start_date)) / (Date.parse(c.end_date) - Date.parse(c.start_date));
      const line = byId.get(c.contract_id);
      expect(line, c.contract_id).toBeDefined();
      expect(line!.billed).toBe(0);
      within(line!.gap, earned);
    }
    // Whatever else leaks leaked in the untouched drop too: the planted three are the difference.
    const base = new Set((await financeRowsOf(db.db, RUN)).leakage.map((l) => l.contract_id));
    expect(leakage.map((l) => l.contract_id).filter((id) => !base.has(id)).sort()).toEqual([...gone].sort());
  });
});
