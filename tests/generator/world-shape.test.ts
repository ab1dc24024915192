/** The default world looks like a B2B business: checks a user of the data would notice. */
import { median } from 'simple-statistics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fxLookup } from './read-drop';
import type { Drop } from './read-drop';
import { generateAndRead, removeTempDirs } from './world';
import type { GenerateSummary } from '../../generator/index';

describe('default world shape', () => {
  afterAll(removeTempDirs);
  let d: Drop;
  let summary: GenerateSummary;
  beforeAll(async () => {
    ({ drop: d, summary } = await generateAndRead());
  });

  it('is sized about 10 : 3 : 1 touchpoints : opportunities : contracts per account', () => {
    const n = summary.rows.accounts;
    expect(n).toBe(2000);
    expect(summary.rows.touchpoints / n).toBeGreaterThan(8);
    expect(summary.rows.touchpoints / n).toBeLessThan(12);
    expect(summary.rows.opportunities / n).toBeGreaterThan(2.4);
    expect(summary.rows.opportunities / n).toBeLessThan(3.6);
    expect(summary.rows.contracts / n).toBeGreaterThan(0.8);
    expect(summary.rows.contracts / n).toBeLessThan(1.3);
    expect(summary.months).toEqual(['2023-11', '2026-10']);
  });

  it('has three segments with ordered ACV medians', () => {
    const usd = fxLookup(d.fx_rates);
    const segment = new Map(d.accounts.map((r) => [r.account_id, r.segment]));
    const acv: Record<string, number[]> = { enterprise: [], mid_market: [], smb: [] };
    for (const r of d.contracts) {
      acv[segment.get(r.account_id)!].push(usd(r.total_value, r.currency, r.start_date)! / (Number(r.term_months) / 12));
    }
    for (const s of Object.keys(acv)) expect(acv[s].length, s).toBeGreaterThan(20);
    const [e, m, s] = [median(acv.enterprise), median(acv.mid_market), median(acv.smb)];
    expect(e).toBeGreaterThan(m);
    expect(m).toBeGreaterThan(s);
    expect(e).toBeGreaterThan(80_000);
    expect(s).toBeLessThan(15_000);
  });

  it('has hierarchies, awkward names, blanks and several currencies', () => {
    const subs = d.accounts.filter((r) => r.parent_account_id).length / d.accounts.length;
    expect(subs).toBeGreaterThan(0.08);
    expect(subs).toBeLessThan(0.22);
    expect(d.accounts.some((r) => r.name.includes(','))).toBe(true);
    expect(d.accounts.some((r) => r.name.includes('"'))).toBe(true);
    expect(d.accounts.some((r) => r.region === '')).toBe(true);
    expect(d.accounts.some((r) => r.industry === '')).toBe(true);
    expect(new Set(d.opportunities.map((r) => r.currency))).toEqual(new Set(['USD', 'EUR', 'GBP', 'JPY']));
    expect(d.opportunities.some((r) => r.lead_source === '')).toBe(true);
    expect(d.opportunities.some((r) => r.product === '')).toBe(true);
    expect(d.contracts.some((r) => r.discount_pct === '')).toBe(true);
    expect(d.contracts.some((r) => r.cost_to_serve_annual === '')).toBe(true);
    expect(d.touchpoints.some((r) => r.contact_id === '')).toBe(true);
    expect(d.touchpoints.some((r) => r.campaign_id === '' && ['paid_search', 'display'].includes(r.channel))).toBe(true);
    expect(d.invoices.some((r) => r.paid_at === '')).toBe(true);
  });

  it('has offline touches and mixed timestamp styles', () => {
    const offline = d.touchpoints.filter((r) => r.kind === 'offline');
    expect(new Set(offline.map((r) => r.channel))).toEqual(new Set(['event', 'webinar', 'sdr_outbound']));
    expect(d.touchpoints.some((r) => r.occurred_at.endsWith('Z'))).toBe(true);
    expect(d.touchpoints.some((r) => /[+-]\d{2}:\d{2}$/.test(r.occurred_at))).toBe(true);
    expect(d.touchpoints.some((r) => /^\d{4}-\d{2}-\d{2}$/.test(r.occurred_at))).toBe(true);
  });

  it('has won, lost and recent open opportunities', () => {
    const stages = new Map<string, number>();
    for (const r of d.opportunities) stages.set(r.stage, (stages.get(r.stage) ?? 0) + 1);
    const closed = (stages.get('won') ?? 0) + (stages.get('lost') ?? 0);
    const winRate = (stages.get('won') ?? 0) / closed;
    expect(winRate).toBeGreaterThan(0.18);
    expect(winRate).toBeLessThan(0.35);
    const open = d.opportunities.filter((r) => r.stage === 'open');
    expect(open.length).toBeGreaterThan(0);
    // Open deals are recent: created within the last 9 months of the window.
    expect(open.every((r) => r.created_at >= '2026-01-01')).toBe(true);
  });

  it('has renewals, churn, a few expired contracts and spend in every paid channel', () => {
    const status = new Map<string, number>();
    for (const r of d.contracts) status.set(r.status, (status.get(r.status) ?? 0) + 1);
    expect(status.get('renewed')).toBeGreaterThan(50);
    expect(status.get('churned')).toBeGreaterThan(50);
    expect(status.get('active')).toBeGreaterThan(200);
    expect((status.get('expired') ?? 0) / d.contracts.length).toBeLessThan(0.03);
    expect(d.contracts.some((r) => r.previous_contract_id && r.opportunity_id === '')).toBe(true);
    const channels = new Set(d.spend.map((r) => r.channel));
    for (const c of ['paid_search', 'paid_social', 'display', 'webinar', 'event', 'content']) expect(channels.has(c), c).toBe(true);
    // Some channel is paused for a month or two: a missing (month, channel) pair.
    const months = new Set(d.spend.map((r) => r.month)).size;
    expect(d.spend.length).toBeLessThan(months * channels.size);
  });
});
