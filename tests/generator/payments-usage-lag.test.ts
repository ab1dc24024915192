/**
 * Issue 17's planted finance (generator/payments.ts, generator/usage-lag.ts):
 * invoices are paid late, or never, at rates truth.json states per segment,
 * and a new customer's usage starts a planted number of months after its
 * first contract. Read back from the drop's CSVs with this test's own
 * parsing (tests/activities/support.ts csvObjects), and recovered by the
 * finance models (collections, time to value) run on validateDrop's rows.
 *
 * Tolerances are sampling error: 4 standard errors (a 1-in-15,000 miss for
 * a normal statistic; nine such checks per seed), the standard error of a
 * share p over n invoices sqrt(p(1 − p) / n) (binomial), of a mean the sample
 * sd over sqrt(n). An amount-weighted figure (the collections model's) uses
 * n_eff = (Σw)² / Σw², the invoices' weight spread.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDrop } from '../../contracts';
import type { DropRows } from '../../contracts/rows';
import { generateDrop } from '../../generator/index';
import { collectionHistory } from '../../models/finance/collections';
import { timeToValue } from '../../models/finance/time-to-value';
import { csvObjects } from '../activities/support';

const SEED = 7;
const ACCOUNTS = 8000;
const MONTHS = 36;
const END = '2026-10';
const SEGMENTS = ['enterprise', 'mid_market', 'smb'] as const;
const DAY = 86_400_000;
const Z = 4;

type Csv = Record<string, string>[];
interface SegmentPaymentsTruth {
  termsDays: number; lateShare: number; meanLateDays: number; neverPaidShare: number;
  expected: { invoices: number; neverPaidShare: number; lateShareOfPaid: number; meanLateDays: number; meanDelayDaysOfPaid: number };
}
interface Truth {
  asOf: string;
  payments: { judgedAfterDays: number; bySegment: Record<string, SegmentPaymentsTruth> };
  timeToValue: {
    bySegment: Record<string, { meanLagMonths: number; medianLagMonths: number }>;
    firstContracts: { ids: string[]; accounts: string[]; lagMonths: number[] };
  };
}

let dir: string;
let truth: Truth;
let csv: { invoices: Csv; contracts: Csv; accounts: Csv; usage: Csv };
let rows: DropRows;

const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY);
const monthNumber = (s: string) => Number(s.slice(0, 4)) * 12 + Number(s.slice(5, 7)) - 1;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]) => { const m = mean(xs); return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)); };
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
const shareSe = (p: number, n: number) => Math.sqrt((p * (1 - p)) / n);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'acvloop-payments-'));
  await generateDrop({ outDir: dir, seed: SEED, accounts: ACCOUNTS, months: MONTHS, end: END });
  truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
  const read = (f: string) => csvObjects(join(dir, `${f}.csv`));
  csv = { invoices: read('invoices'), contracts: read('contracts'), accounts: read('accounts'), usage: read('usage') };
  const v = await validateDrop(dir);
  expect(v.ok).toBe(true);
  rows = v.rows;
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Each segment's invoices issued at least judgedAfterDays before the as-of date, from the CSVs. */
function judgedInvoices(): Map<string, Csv> {
  const segmentOf = new Map(csv.accounts.map((a) => [a.account_id, a.segment]));
  const accountOf = new Map(csv.contracts.map((c) => [c.contract_id, c.account_id]));
  const by = new Map<string, Csv>();
  for (const i of csv.invoices) {
    if (days(i.issued_at, truth.asOf) < truth.payments.judgedAfterDays) continue;
    const s = segmentOf.get(accountOf.get(i.contract_id)!)!;
    by.set(s, [...(by.get(s) ?? []), i]);
  }
  return by;
}

describe('planted payments, read from invoices.csv', () => {
  it('every invoice falls due at its segment\'s terms after issue', () => {
    const segmentOf = new Map(csv.accounts.map((a) => [a.account_id, a.segment]));
    const accountOf = new Map(csv.contracts.map((c) => [c.contract_id, c.account_id]));
    for (const i of csv.invoices) {
      const s = segmentOf.get(accountOf.get(i.contract_id)!)!;
      expect(days(i.issued_at, i.due_at), i.invoice_id).toBe(truth.payments.bySegment[s].termsDays);
    }
  });

  it.each(SEGMENTS)('%s: never-paid share, late share of the paid and mean days late match truth.json within 4 standard errors', (segment) => {
    const planted = truth.payments.bySegment[segment];
    const invoices = judgedInvoices().get(segment)!;
    // The count the truth's expectation is over is the count judged here: the same invoices.
    expect(invoices.length).toBe(planted.expected.invoices);
    const n = invoices.length;
    const paid = invoices.filter((i) => i.paid_at !== '');
    const late = paid.filter((i) => i.paid_at > i.due_at);
    const daysLate = late.map((i) => days(i.due_at, i.paid_at));
    const neverPaid = (n - paid.length) / n;
    const lateShare = late.length / paid.length;
    const meanLate = mean(daysLate);
    console.log(`${segment}: ${n} invoices; never paid ${neverPaid.toFixed(4)} (expected ${planted.expected.neverPaidShare.toFixed(4)}, base ${planted.neverPaidShare}), `
      + `late ${lateShare.toFixed(4)} of the paid (expected ${planted.expected.lateShareOfPaid.toFixed(4)}, base ${planted.lateShare}), `
      + `${meanLate.toFixed(1)} days late on average (planted ${planted.meanLateDays})`);
    expect(n).toBeGreaterThan(500);
    expect(Math.abs(neverPaid - planted.expected.neverPaidShare)).toBeLessThan(Z * shareSe(planted.expected.neverPaidShare, n));
    expect(Math.abs(lateShare - planted.expected.lateShareOfPaid)).toBeLessThan(Z * shareSe(planted.expected.lateShareOfPaid, paid.length));
    // Days late are 1 + geometric with mean m: sd sqrt(m (m − 1)), whatever the account's trend.
    const lateSe = Math.sqrt(planted.meanLateDays * (planted.meanLateDays - 1) / late.length);
    expect(Math.abs(meanLate - planted.meanLateDays)).toBeLessThan(Z * lateSe);
    // An on-time payment lands from 3 days after issue to the due date.
    for (const i of paid.filter((x) => x.paid_at <= x.due_at)) expect(days(i.issued_at, i.paid_at)).toBeGreaterThanOrEqual(3);
  });

  it('the segments pay differently in the drop: enterprise latest, small businesses most often never', () => {
    const judged = judgedInvoices();
    const of = (s: string) => {
      const inv = judged.get(s)!;
      const late = inv.filter((i) => i.paid_at !== '' && i.paid_at > i.due_at);
      return { never: inv.filter((i) => i.paid_at === '').length / inv.length, daysLate: mean(late.map((i) => days(i.due_at, i.paid_at))) };
    };
    const [enterprise, midMarket, smb] = SEGMENTS.map(of);
    expect(enterprise.daysLate).toBeGreaterThan(midMarket.daysLate);
    expect(midMarket.daysLate).toBeGreaterThan(smb.daysLate);
    expect(smb.never).toBeGreaterThan(enterprise.never);
  });

  it('an account whose usage falls pays later: never-paid and late shares are higher below the median usage trend', () => {
    // truth.json's usageTrendAtEnd is the trend in the window's last month (AR(1) 0.85 a month): it still sorts
    // accounts by the trend they had when their invoices of the last months were issued. Due 200 days or more
    // before the as-of date, so a late payment shows.
    const t = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')).accountPropensity as { ids: string[]; usageTrendAtEnd: number[] };
    const trendOf = new Map(t.ids.map((id, i) => [id, t.usageTrendAtEnd[i]]));
    const accountOf = new Map(csv.contracts.map((c) => [c.contract_id, c.account_id]));
    const lastYear = csv.invoices.filter((i) => i.issued_at >= '2025-06-01' && days(i.due_at, truth.asOf) > 200);
    const trends = lastYear.map((i) => trendOf.get(accountOf.get(i.contract_id)!)!);
    const cut = median(trends);
    const bad = (i: Record<string, string>) => i.paid_at === '' || i.paid_at > i.due_at;
    const falling = lastYear.filter((_, k) => trends[k] < cut);
    const rising = lastYear.filter((_, k) => trends[k] >= cut);
    const pf = falling.filter(bad).length / falling.length;
    const pr = rising.filter(bad).length / rising.length;
    console.log(`late or never paid: ${pf.toFixed(3)} of ${falling.length} invoices of falling-usage accounts, ${pr.toFixed(3)} of ${rising.length} of rising`);
    // A two-sample difference of shares over 4 standard errors.
    expect(pf - pr).toBeGreaterThan(Z * Math.sqrt(pf * (1 - pf) / falling.length + pr * (1 - pr) / rising.length));
  });

  it.each(SEGMENTS)('%s: the collections model recovers the collection rate and mean payment delay', (segment) => {
    const planted = truth.payments.bySegment[segment].expected;
    const segmentOf = new Map(rows.accounts.map((a) => [a.account_id, a.segment as string]));
    const segmentOfContract = new Map(rows.contracts.map((c) => [c.contract_id, segmentOf.get(c.account_id)!]));
    // Judged as truth.json judged: a year old at the as-of date (the model's asOf is the first day not seen).
    const asOf = new Date(Date.parse(truth.asOf) + DAY).toISOString().slice(0, 10);
    const history = collectionHistory(rows.invoices, segmentOfContract, asOf, { judgedAfterDays: truth.payments.judgedAfterDays + 1, prior: 0 });
    const got = history.bySegment[segment];
    expect(got.invoices).toBe(planted.invoices);
    const mine = rows.invoices.filter((i) => segmentOfContract.get(i.contract_id) === segment && days(i.issued_at, truth.asOf) >= truth.payments.judgedAfterDays);
    const nEff = (ws: number[]) => ws.reduce((s, w) => s + w, 0) ** 2 / ws.reduce((s, w) => s + w * w, 0);
    const paid = mine.filter((i) => i.paid_at !== null);
    const delays = paid.map((i) => days(i.issued_at, i.paid_at!));
    const rateSe = shareSe(planted.neverPaidShare, nEff(mine.map((i) => i.amount_usd)));
    const delaySe = sd(delays) / Math.sqrt(nEff(paid.map((i) => i.amount_usd)));
    console.log(`${segment}: collections model rate ${got.rate.toFixed(4)} (planted ${(1 - planted.neverPaidShare).toFixed(4)} ± ${rateSe.toFixed(4)}), `
      + `delay ${got.delayDays.toFixed(1)} days (planted ${planted.meanDelayDaysOfPaid.toFixed(1)} ± ${delaySe.toFixed(1)})`);
    expect(Math.abs(got.rate - (1 - planted.neverPaidShare))).toBeLessThan(Z * rateSe);
    expect(Math.abs(got.delayDays - planted.meanDelayDaysOfPaid)).toBeLessThan(Z * delaySe);
  });
});

describe('planted time to value, read from usage.csv', () => {
  /** Per first contract started inside usage.csv's coverage: its segment, start and the months until users show (null: none yet). */
  function observedLags() {
    const segmentOf = new Map(csv.accounts.map((a) => [a.account_id, a.segment]));
    const coverageFrom = csv.usage.map((u) => u.month).sort()[0];
    const active = new Map<string, string[]>();
    for (const u of csv.usage) if (Number(u.active_users) > 0) active.set(u.account_id, [...(active.get(u.account_id) ?? []), u.month]);
    const { ids, accounts, lagMonths } = truth.timeToValue.firstContracts;
    const byId = new Map(csv.contracts.map((c) => [c.contract_id, c]));
    return ids.flatMap((id, i) => {
      const c = byId.get(id)!;
      const startMonth = c.start_date.slice(0, 7);
      if (startMonth < coverageFrom) return [];
      const first = (active.get(accounts[i]) ?? []).filter((m) => m >= startMonth).sort()[0];
      return [{ id, segment: segmentOf.get(accounts[i])!, start: c.start_date, planted: lagMonths[i], observed: first === undefined ? null : monthNumber(first) - monthNumber(startMonth) }];
    });
  }

  it('truth.json names every account\'s first contract (earliest start) and nothing else', () => {
    const first = new Map<string, Record<string, string>>();
    for (const c of csv.contracts) {
      const k = first.get(c.account_id);
      if (!k || c.start_date < k.start_date || (c.start_date === k.start_date && c.contract_id < k.contract_id)) first.set(c.account_id, c);
    }
    expect([...truth.timeToValue.firstContracts.ids].sort()).toEqual([...first.values()].map((c) => c.contract_id).sort());
  });

  it('usage shows users exactly the planted number of months after a first contract starts', () => {
    const lags = observedLags();
    const seen = lags.filter((l) => l.observed !== null);
    const agree = seen.filter((l) => l.observed === l.planted).length;
    console.log(`first contracts inside usage coverage: ${lags.length}; users seen for ${seen.length}; at the planted lag: ${agree}`);
    expect(seen.length).toBeGreaterThan(1000);
    // Users round to zero after the lag only for an account of under one seat's usage, which this world has none of.
    expect(agree).toBe(seen.length);
    // One still without users is one whose planted lag runs past the drop's last month.
    for (const l of lags.filter((x) => x.observed === null)) expect(monthNumber(l.start) + l.planted, l.id).toBeGreaterThan(monthNumber(END));
  });

  it.each(SEGMENTS)('%s: the median and mean observed lag are the planted ones (mean within 4 standard errors of Poisson)', (segment) => {
    const planted = truth.timeToValue.bySegment[segment];
    // Started a year or more before the end: P(Poisson(3) lag > 12 months) is under 1e-4, so none is cut off.
    const lags = observedLags().filter((l) => l.segment === segment && monthNumber(l.start) <= monthNumber(END) - 12);
    const observed = lags.map((l) => l.observed ?? Infinity);
    const m = mean(observed);
    console.log(`${segment}: ${lags.length} first contracts; lag median ${median(observed)} (planted ${planted.medianLagMonths}), mean ${m.toFixed(2)} (planted ${planted.meanLagMonths} ± ${Math.sqrt(planted.meanLagMonths / lags.length).toFixed(2)})`);
    expect(lags.length).toBeGreaterThan(100);
    expect(Math.abs(m - planted.meanLagMonths)).toBeLessThan(Z * Math.sqrt(planted.meanLagMonths / lags.length));
    // The planted medians sit at least 0.07 of probability from the next whole month (Poisson(3): P(≤2) 0.42, P(≤3) 0.65;
    // Poisson(2): 0.41, 0.68; Poisson(0.5): P(0) 0.61), over 3 standard errors of a sample share at these counts.
    expect(median(observed)).toBe(planted.medianLagMonths);
  });

  it.each(SEGMENTS)('%s: the time-to-value model\'s median days are the planted lag\'s days from the contract start', (segment) => {
    const model = timeToValue(rows.contracts, rows.accounts, rows.usage, END).segments.find((s) => s.segment === segment)!;
    // The planted days of each first contract the model counts valued: the first day of its start month + lag, less its start.
    const planted = observedLags().filter((l) => l.segment === segment && l.observed !== null).map((l) => {
      const month = monthNumber(l.start) + l.planted;
      const firstDay = `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}-01`;
      return Math.max(0, days(l.start, firstDay));
    });
    console.log(`${segment}: model median ${model.medianDays} days over ${model.valued} valued (${model.pending} pending); planted lags give ${median(planted)} days over ${planted.length}`);
    expect(model.valued).toBe(planted.length);
    // The same contracts at the same lags (the previous test): the same median.
    expect(model.medianDays).toBe(median(planted));
    // And in months, the model's median is the planted median lag give or take the start's day in its month.
    expect(Math.abs(model.medianDays! / 30.44 - truth.timeToValue.bySegment[segment].medianLagMonths)).toBeLessThan(1);
  });
});
