/**
 * Checks the default world against every rule of the data-drop spec, written
 * here independently of the generator, so a valid world quarantines nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fxLookup } from './read-drop';
import type { Drop, Row } from './read-drop';
import { generateAndRead, removeTempDirs } from './world';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const MONEY = /^-?\d+(\.\d+)?$/;
const TS = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
const CHANNELS = new Set(['paid_search', 'paid_social', 'display', 'email', 'webinar', 'event', 'content', 'organic', 'partner', 'sdr_outbound']);
const CCY = /^[A-Z]{3}$/;

function validDate(s: string): boolean {
  return DATE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

function monthsBetween(a: string, b: string): number {
  const [ya, ma, da] = a.split('-').map(Number);
  const [yb, mb, db] = b.split('-').map(Number);
  return (yb - ya) * 12 + (mb - ma) + (db - da) / 31;
}

/** Collects broken rules as strings so a failure names them all. */
function check(rows: Row[], rules: (r: Row) => (string | false)[]): string[] {
  const broken: string[] = [];
  rows.forEach((r, i) => {
    for (const b of rules(r)) if (b) broken.push(`line ${i + 2}: ${b} ${JSON.stringify(r)}`);
  });
  return broken.slice(0, 10);
}

function unique(rows: Row[], key: (r: Row) => string): boolean {
  return new Set(rows.map(key)).size === rows.length;
}

describe('default world conforms to the data-drop spec', () => {
  afterAll(removeTempDirs);
  let d: Drop;
  beforeAll(async () => {
    d = (await generateAndRead()).drop;
  });

  it('has data rows in every required file', () => {
    for (const f of ['accounts', 'opportunities', 'contracts', 'touchpoints', 'spend'] as const) expect(d[f].length, f).toBeGreaterThan(0);
  });

  it('accounts: unique ids, parents resolve, no cycles, at most three levels', () => {
    expect(unique(d.accounts, (r) => r.account_id)).toBe(true);
    const parent = new Map(d.accounts.map((r) => [r.account_id, r.parent_account_id]));
    expect(check(d.accounts, (r) => [
      !r.account_id && 'empty account_id',
      !r.name && 'empty name',
      !['enterprise', 'mid_market', 'smb'].includes(r.segment) && 'segment',
      !validDate(r.created_at) && 'created_at',
      r.parent_account_id !== '' && !parent.has(r.parent_account_id) && 'parent unresolved',
    ])).toEqual([]);
    for (const r of d.accounts) {
      const seen = new Set<string>([r.account_id]);
      let p = r.parent_account_id;
      while (p) {
        expect(seen.has(p), `cycle through ${r.account_id}`).toBe(false);
        seen.add(p);
        p = parent.get(p)!;
      }
      expect(seen.size).toBeLessThanOrEqual(3);
    }
  });

  it('opportunities: references, stages and closed_at rules', () => {
    const accounts = new Set(d.accounts.map((r) => r.account_id));
    const created = new Map(d.accounts.map((r) => [r.account_id, r.created_at]));
    expect(unique(d.opportunities, (r) => r.opportunity_id)).toBe(true);
    expect(check(d.opportunities, (r) => [
      !accounts.has(r.account_id) && 'account unresolved',
      !validDate(r.created_at) && 'created_at',
      !['open', 'won', 'lost'].includes(r.stage) && 'stage',
      r.stage === 'open' && r.closed_at !== '' && 'open but closed',
      r.stage !== 'open' && !validDate(r.closed_at) && 'closed without closed_at',
      r.closed_at !== '' && r.closed_at < r.created_at && 'closed before created',
      (!MONEY.test(r.amount) || Number(r.amount) < 0) && 'amount',
      !CCY.test(r.currency) && 'currency',
      r.lead_source !== '' && !CHANNELS.has(r.lead_source) && 'lead_source vocabulary',
      r.created_at < created.get(r.account_id)! && 'before the account existed',
    ])).toEqual([]);
  });

  it('contracts: references, terms that match the dates, statuses', () => {
    const accounts = new Set(d.accounts.map((r) => r.account_id));
    const opps = new Map(d.opportunities.map((r) => [r.opportunity_id, r]));
    const ids = new Set(d.contracts.map((r) => r.contract_id));
    expect(ids.size).toBe(d.contracts.length);
    expect(check(d.contracts, (r) => [
      !accounts.has(r.account_id) && 'account unresolved',
      r.opportunity_id !== '' && !opps.has(r.opportunity_id) && 'opportunity unresolved',
      r.opportunity_id !== '' && opps.get(r.opportunity_id)?.stage !== 'won' && 'contract of an opportunity not won',
      r.previous_contract_id !== '' && !ids.has(r.previous_contract_id) && 'previous unresolved',
      !validDate(r.start_date) && 'start_date',
      !validDate(r.end_date) && 'end_date',
      !(r.end_date > r.start_date) && 'end <= start',
      !(Number.isInteger(Number(r.term_months)) && Number(r.term_months) > 0) && 'term_months',
      Math.abs(monthsBetween(r.start_date, r.end_date) - Number(r.term_months)) > 1 && 'term does not match dates',
      (!MONEY.test(r.total_value) || Number(r.total_value) < 0) && 'total_value',
      !CCY.test(r.currency) && 'currency',
      r.discount_pct !== '' && !(Number(r.discount_pct) >= 0 && Number(r.discount_pct) <= 100) && 'discount_pct',
      !['active', 'renewed', 'churned', 'expired'].includes(r.status) && 'status',
      r.cost_to_serve_annual !== '' && !MONEY.test(r.cost_to_serve_annual) && 'cost_to_serve_annual',
    ])).toEqual([]);
    const renewedBy = new Map<string, number>();
    for (const r of d.contracts) if (r.previous_contract_id) renewedBy.set(r.previous_contract_id, (renewedBy.get(r.previous_contract_id) ?? 0) + 1);
    const byId = new Map(d.contracts.map((r) => [r.contract_id, r]));
    for (const [prev, k] of renewedBy) {
      expect(k, `${prev} renewed twice`).toBe(1);
      expect(byId.get(prev)!.status).toBe('renewed');
    }
    for (const r of d.contracts) if (r.status === 'renewed') expect(renewedBy.has(r.contract_id), r.contract_id).toBe(true);
    for (const r of d.contracts) {
      // Active means live past the window end; ended ones carry a final status.
      expect(r.status === 'active', r.contract_id).toBe(r.end_date > d.truth.asOf);
    }
    expect(new Set(d.contracts.filter((r) => r.opportunity_id).map((r) => r.opportunity_id)).size)
      .toBe(d.contracts.filter((r) => r.opportunity_id).length);
  });

  it('touchpoints: references, channel vocabulary, timestamps, kinds', () => {
    const accounts = new Set(d.accounts.map((r) => r.account_id));
    expect(unique(d.touchpoints, (r) => r.touchpoint_id)).toBe(true);
    expect(check(d.touchpoints, (r) => [
      !accounts.has(r.account_id) && 'account unresolved',
      !CHANNELS.has(r.channel) && 'channel',
      (!TS.test(r.occurred_at) || Number.isNaN(Date.parse(r.occurred_at))) && 'occurred_at',
      !['online', 'offline'].includes(r.kind) && 'kind',
    ])).toEqual([]);
  });

  it('spend, invoices, usage and fx_rates follow their rules', () => {
    expect(unique(d.spend, (r) => `${r.month}|${r.channel}`)).toBe(true);
    expect(check(d.spend, (r) => [
      !MONTH.test(r.month) && 'month',
      !CHANNELS.has(r.channel) && 'channel',
      (!MONEY.test(r.amount) || Number(r.amount) < 0) && 'amount',
      !CCY.test(r.currency) && 'currency',
    ])).toEqual([]);
    const contracts = new Set(d.contracts.map((r) => r.contract_id));
    expect(unique(d.invoices, (r) => r.invoice_id)).toBe(true);
    expect(check(d.invoices, (r) => [
      !contracts.has(r.contract_id) && 'contract unresolved',
      !validDate(r.issued_at) && 'issued_at',
      !MONEY.test(r.amount) && 'amount',
      r.paid_at !== '' && (!validDate(r.paid_at) || r.paid_at < r.issued_at) && 'paid_at',
    ])).toEqual([]);
    const accounts = new Set(d.accounts.map((r) => r.account_id));
    expect(unique(d.usage, (r) => `${r.account_id}|${r.month}`)).toBe(true);
    expect(check(d.usage, (r) => [
      !accounts.has(r.account_id) && 'account unresolved',
      !MONTH.test(r.month) && 'month',
      !(/^\d+$/.test(r.active_users)) && 'active_users',
      !(MONEY.test(r.usage_units) && Number(r.usage_units) >= 0) && 'usage_units',
    ])).toEqual([]);
    expect(unique(d.fx_rates, (r) => `${r.month}|${r.currency}`)).toBe(true);
    expect(check(d.fx_rates, (r) => [!MONTH.test(r.month) && 'month', !(Number(r.rate_to_usd) > 0) && 'rate'])).toEqual([]);
  });

  it('has an fx rate for the month of every non-USD money value', () => {
    const usd = fxLookup(d.fx_rates);
    const missing: string[] = [];
    const need = (file: string, amount: string, ccy: string, date: string) => {
      if (amount !== '' && usd(amount, ccy, date) === null) missing.push(`${file} ${ccy} ${date}`);
    };
    for (const r of d.opportunities) need('opportunities', r.amount, r.currency, r.closed_at || r.created_at);
    for (const r of d.contracts) {
      need('contracts', r.total_value, r.currency, r.start_date);
      need('contracts', r.cost_to_serve_annual, r.currency, r.start_date);
    }
    for (const r of d.invoices) need('invoices', r.amount, r.currency, r.issued_at);
    for (const r of d.spend) need('spend', r.amount, r.currency, `${r.month}-01`);
    expect(missing.slice(0, 5)).toEqual([]);
    // Every month of the window has a rate for every currency in use.
    const [first, last] = d.truth.months;
    const ccys = new Set(d.fx_rates.map((r) => r.currency));
    const have = new Set(d.fx_rates.map((r) => `${r.month}|${r.currency}`));
    for (let y = Number(first.slice(0, 4)), m = Number(first.slice(5)); `${y}-${String(m).padStart(2, '0')}` <= last; m === 12 ? (y++, (m = 1)) : m++) {
      for (const c of ccys) expect(have.has(`${y}-${String(m).padStart(2, '0')}|${c}`)).toBe(true);
    }
  });
});
