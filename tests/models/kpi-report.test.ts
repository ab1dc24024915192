import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateDrop } from '../../contracts';
import { generateDrop } from '../../generator/index';
import {
  marketingKpiReport,
  marketingKpis,
  type KpiAccount,
  type KpiContractDated,
  type KpiOpportunityDated,
  type KpiSpend,
} from '../../models/kpi';

/**
 * A hand-built world; every expected number below is derived by hand in the
 * comments. Tolerances: counts and sums exact (integers of dollars), ratios
 * to 1e-9 (toBeCloseTo(·, 9) or relative where stated).
 */
const accounts: KpiAccount[] = [
  { account_id: 'P', parent_account_id: null, segment: 'enterprise', region: 'NA' },
  { account_id: 'S', parent_account_id: 'P', segment: 'smb', region: 'EMEA' }, // rolls up to P: enterprise / NA
  { account_id: 'M', parent_account_id: null, segment: 'mid_market', region: 'EMEA' },
  { account_id: 'U', parent_account_id: null, segment: 'smb', region: null },
];
const opp = (
  id: string, account: string, stage: 'open' | 'won' | 'lost', src: string | null, created: string, closed: string | null,
): KpiOpportunityDated => ({ opportunity_id: id, account_id: account, stage, lead_source: src, created_at: created, closed_at: closed });
const opportunities: KpiOpportunityDated[] = [
  opp('O1', 'P', 'won', 'webinar', '2024-01-10', '2024-03-10'), // 60 days (2024 is a leap year: 21 + 29 + 10)
  opp('O2', 'S', 'won', 'paid_search', '2024-02-01', '2024-02-21'), // 20 days
  opp('O3', 'S', 'lost', 'webinar', '2024-02-01', '2024-04-01'),
  opp('O4', 'M', 'won', null, '2024-01-01', '2024-01-31'), // sales-sourced, 30 days
  opp('O5', 'M', 'open', 'event', '2024-03-01', null),
  opp('O6', 'U', 'won', 'event', '2024-01-15', '2024-02-14'), // 30 days
  opp('O7', 'M', 'won', 'event', '2024-03-01', '2024-05-30'), // 90 days, closed after the Jan–Apr window, no contract yet
  opp('O8', 'U', 'won', 'gclid_ads', '2024-04-05', '2024-04-15'), // 10 days; maps to paid_search
  opp('O10', 'U', 'won', 'event', '2024-04-01', '2024-04-11'), // 10 days, no contract yet
  opp('O11', 'M', 'lost', null, '2024-01-01', '2024-02-01'),
];
const con = (id: string, o: string | null, prev: string | null, acv: number, end: string): KpiContractDated => ({
  contract_id: id, opportunity_id: o, previous_contract_id: prev, acv_usd: acv, end_date: end,
});
const asOf = '2026-06-01';
const contracts: KpiContractDated[] = [
  con('C1', 'O1', null, 900_000, '2025-03-10'),
  con('C1r', null, 'C1', 950_000, '2026-03-10'), // the renewal ended before asOf and was not renewed: chain C1 churned
  con('C2', 'O2', null, 600_000, '2025-02-21'),
  con('C2r', null, 'C2', 700_000, '2027-02-21'), // renewed and in term: chain C2 alive
  con('C4', 'O4', null, 5_000_000, '2025-01-31'), // churned, but not marketing-sourced
  con('C6', 'O6', null, 300_000, '2026-07-01'), // renewal not due yet: alive
  con('C8', 'O8', null, 50_000, '2026-06-01'), // ended on asOf, not renewed: churned ("on or before")
];
const spend: KpiSpend[] = [
  { month: '2024-01', channel: 'webinar', amount_usd: 100_000 },
  { month: '2024-03', channel: 'webinar', amount_usd: 200_000 },
  { month: '2024-02', channel: 'paid_search', amount_usd: 400_000 },
  { month: '2024-04', channel: 'paid_search', amount_usd: 100_000 },
  { month: '2024-01', channel: 'event', amount_usd: 250_000 },
  { month: '2024-02', channel: 'content', amount_usd: 50_000 },
  { month: '2024-06', channel: 'event', amount_usd: 1_000_000 }, // outside the Jan–Apr window
];
const channelOfLeadSource = { gclid_ads: 'paid_search' };
const report = marketingKpiReport(opportunities, contracts, accounts, spend, {
  asOf, channelOfLeadSource, window: { from: '2024-01', to: '2024-04' },
});

describe('marketingKpiReport: the base KPIs (hand-computed)', () => {
  it('8 marketing leads (O1 O2 O3 O5 O6 O7 O8 O10), 1.85M first-contract ACV (C1 C2 C6 C8), 6 won', () => {
    expect(report.overall).toMatchObject({ marketingLeads: 8, marketingAcv: 1_850_000, marketingWonDeals: 6, band: 'underperforming' });
    expect(report.overall.acvPerMarketingLead).toBeCloseTo(1_850_000 / 8, 9); // 231,250
    expect(report.overall.acvPerMarketingWonDeal).toBeCloseTo(1_850_000 / 6, 9);
  });
  it('agrees with marketingKpis on every shared field and cut', () => {
    const base = marketingKpis(opportunities, contracts, accounts);
    expect(report.overall).toMatchObject(base.overall);
    for (const [k, s] of Object.entries(base.bySegment)) expect(report.bySegment[k]).toMatchObject(s);
    for (const [k, s] of Object.entries(base.byRegion)) expect(report.byRegion[k]).toMatchObject(s);
  });
});

describe('net of churn (hand-computed: chains C1 and C8 churned, C2 renewed, C6 not yet due)', () => {
  it('overall: 1.85M − (900k + 50k) = 900k over 8 leads = 112,500', () => {
    expect(report.overall.netOfChurn).toEqual({
      marketingAcv: 900_000, churnedAcv: 950_000, churnedContracts: 2, acvPerMarketingLead: 112_500, band: 'underperforming',
    });
  });
  it.each([
    { cut: 'bySegment', key: 'enterprise', net: 600_000, churned: 900_000, perLead: 200_000 }, // C1 + C2 − C1, 3 leads
    { cut: 'bySegment', key: 'mid_market', net: 0, churned: 0, perLead: 0 },
    { cut: 'bySegment', key: 'smb', net: 300_000, churned: 50_000, perLead: 100_000 }, // C6 + C8 − C8, 3 leads
    { cut: 'byRegion', key: 'NA', net: 600_000, churned: 900_000, perLead: 200_000 },
    { cut: 'byRegion', key: 'EMEA', net: 0, churned: 0, perLead: 0 },
    { cut: 'byRegion', key: '(unknown)', net: 300_000, churned: 50_000, perLead: 100_000 },
  ] as const)('$cut $key: net $net', ({ cut, key, net, churned, perLead }) => {
    expect(report[cut][key].netOfChurn.marketingAcv).toBe(net);
    expect(report[cut][key].netOfChurn.churnedAcv).toBe(churned);
    expect(report[cut][key].netOfChurn.acvPerMarketingLead).toBeCloseTo(perLead, 9);
  });
  it('configurable bands: strong >= 200k, moderate >= 100k -> gross strong (231,250), net moderate (112,500)', () => {
    const r = marketingKpiReport(opportunities, contracts, accounts, spend, { asOf, thresholds: { strong: 200_000, moderate: 100_000 } });
    expect(r.overall.band).toBe('strong');
    expect(r.overall.netOfChurn.band).toBe('moderate');
  });
  it('an earlier asOf (2025-01-01) sees no renewal due yet: nothing churned', () => {
    const r = marketingKpiReport(opportunities, contracts, accounts, spend, { asOf: '2025-01-01' });
    expect(r.overall.netOfChurn).toMatchObject({ marketingAcv: 1_850_000, churnedAcv: 0, churnedContracts: 0 });
  });
  it('asOf 2025-03-10: C1 (ended that day) and C2 both have renewals still in term: nothing churned', () => {
    const r = marketingKpiReport(opportunities, contracts, accounts, spend, { asOf: '2025-03-10' });
    expect(r.overall.netOfChurn.churnedAcv).toBe(0);
  });
});

describe('ACV per dollar of spend by channel (window 2024-01..2024-04, hand-computed)', () => {
  it('overall: webinar 900k/300k = 3, paid_search (O2 + O8 via the mapping) 650k/500k = 1.3, event 300k/250k = 1.2, content 0', () => {
    expect(report.window).toEqual({ from: '2024-01', to: '2024-04' });
    expect(report.overall.acvPerDollarByChannel).toEqual({
      content: { spendUsd: 50_000, wonDeals: 0, wonAcv: 0, acvPerDollar: 0 },
      event: { spendUsd: 250_000, wonDeals: 2, wonAcv: 300_000, acvPerDollar: 1.2 }, // O6 (C6) and O10 (no contract yet)
      paid_search: { spendUsd: 500_000, wonDeals: 2, wonAcv: 650_000, acvPerDollar: 1.3 },
      webinar: { spendUsd: 300_000, wonDeals: 1, wonAcv: 900_000, acvPerDollar: 3 },
    });
  });
  it('by segment: the cut ACV over the whole channel spend, so the cuts add up (paid_search: enterprise 1.2 + smb 0.1 = 1.3)', () => {
    expect(report.bySegment.enterprise.acvPerDollarByChannel.paid_search.acvPerDollar).toBeCloseTo(1.2, 9);
    expect(report.bySegment.smb.acvPerDollarByChannel.paid_search.acvPerDollar).toBeCloseTo(0.1, 9);
    expect(report.bySegment.enterprise.acvPerDollarByChannel.webinar.acvPerDollar).toBeCloseTo(3, 9);
    expect(report.bySegment.mid_market.acvPerDollarByChannel.event).toEqual({ spendUsd: 250_000, wonDeals: 0, wonAcv: 0, acvPerDollar: 0 });
  });
  it('default window = the spend months (2024-01..2024-06): O7 (closed May) and the June event spend come in', () => {
    const r = marketingKpiReport(opportunities, contracts, accounts, spend, { asOf, channelOfLeadSource });
    expect(r.window).toEqual({ from: '2024-01', to: '2024-06' });
    expect(r.overall.acvPerDollarByChannel.event).toEqual({ spendUsd: 1_250_000, wonDeals: 3, wonAcv: 300_000, acvPerDollar: 0.24 });
  });
  it('without the mapping, gclid_ads is its own channel with no spend: null, not infinity', () => {
    const r = marketingKpiReport(opportunities, contracts, accounts, spend, { asOf, window: { from: '2024-01', to: '2024-04' } });
    expect(r.overall.acvPerDollarByChannel.gclid_ads).toEqual({ spendUsd: 0, wonDeals: 1, wonAcv: 50_000, acvPerDollar: null });
    expect(r.overall.acvPerDollarByChannel.paid_search.acvPerDollar).toBeCloseTo(1.2, 9);
  });
});

describe('win rate and deal velocity by lead source (hand-computed days created -> closed of won deals)', () => {
  it('overall', () => {
    expect(report.overall.bySource).toEqual({
      '(none)': { opportunities: 2, won: 1, lost: 1, open: 0, winRate: 0.5, velocity: { wonDeals: 1, meanDays: 30, medianDays: 30 } },
      event: { opportunities: 4, won: 3, lost: 0, open: 1, winRate: 1, velocity: { wonDeals: 3, meanDays: 130 / 3, medianDays: 30 } }, // 30, 90, 10
      gclid_ads: { opportunities: 1, won: 1, lost: 0, open: 0, winRate: 1, velocity: { wonDeals: 1, meanDays: 10, medianDays: 10 } },
      paid_search: { opportunities: 1, won: 1, lost: 0, open: 0, winRate: 1, velocity: { wonDeals: 1, meanDays: 20, medianDays: 20 } },
      webinar: { opportunities: 2, won: 1, lost: 1, open: 0, winRate: 0.5, velocity: { wonDeals: 1, meanDays: 60, medianDays: 60 } },
    });
  });
  it('by segment of the top parent: smb event = O6 (30) and O10 (10); mid_market event = O7 (90), one open', () => {
    expect(report.bySegment.smb.bySource.event).toEqual({
      opportunities: 2, won: 2, lost: 0, open: 0, winRate: 1, velocity: { wonDeals: 2, meanDays: 20, medianDays: 20 },
    });
    expect(report.bySegment.mid_market.bySource.event).toEqual({
      opportunities: 2, won: 1, lost: 0, open: 1, winRate: 1, velocity: { wonDeals: 1, meanDays: 90, medianDays: 90 },
    });
    expect(report.byRegion.NA.bySource.webinar.winRate).toBe(0.5); // O1 won (P), O3 lost (S under P)
  });
});

describe('reconciliation on a generated world (2000 accounts, seed 42): totals equal a plain recomputation (to 1e-6 relative)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  it('overall and cut totals', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acvloop-kpi-'));
    dirs.push(dir);
    await generateDrop({ outDir: dir, seed: 42 });
    const v = await validateDrop(dir);
    expect(v.ok).toBe(true);
    const { opportunities: opps, contracts: cons, accounts: accs, spend: sp } = v.rows;
    const asOfDay = '2026-11-01';
    const r = marketingKpiReport(opps, cons, accs, sp, { asOf: asOfDay });
    const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));

    // Plain recomputation, one loop per quantity.
    const marketingOpp = new Map(opps.filter((o) => o.lead_source !== null).map((o) => [o.opportunity_id, o]));
    const firsts = cons.filter((c) => c.previous_contract_id === null && c.opportunity_id !== null && marketingOpp.has(c.opportunity_id));
    const gross = firsts.reduce((s, c) => s + c.acv_usd, 0);
    let net = 0;
    for (const first of firsts) {
      // Walk the renewal tree breadth-first; the chain is alive if any leaf is still in term after asOf.
      let frontier = [first];
      let alive = false;
      while (frontier.length && !alive) {
        const next: typeof cons = [];
        for (const c of frontier) {
          const kids = cons.filter((k) => k.previous_contract_id === c.contract_id);
          if (kids.length) next.push(...kids);
          else if (c.end_date > asOfDay) alive = true;
        }
        frontier = next;
      }
      if (alive) net += first.acv_usd;
    }
    expect(r.overall.marketingLeads).toBe(marketingOpp.size);
    close(r.overall.marketingAcv, gross);
    close(r.overall.netOfChurn.marketingAcv, net);
    close(r.overall.netOfChurn.churnedAcv, gross - net);
    expect(net).toBeLessThan(gross); // the world has churn
    expect(net).toBeGreaterThan(0);

    // ACV per dollar: spend months of the drop, won marketing deals closed in them, by lead source.
    const months = sp.map((s) => s.month).sort();
    const [from, to] = [months[0], months[months.length - 1]];
    expect(r.window).toEqual({ from, to });
    const spendBy = new Map<string, number>();
    for (const s of sp) spendBy.set(s.channel, (spendBy.get(s.channel) ?? 0) + s.amount_usd);
    const acvOfOpp = new Map(firsts.map((c) => [c.opportunity_id!, c.acv_usd]));
    const wonBy = new Map<string, number>();
    for (const o of marketingOpp.values()) {
      if (o.stage !== 'won' || o.closed_at === null || o.closed_at.slice(0, 7) < from || o.closed_at.slice(0, 7) > to) continue;
      wonBy.set(o.lead_source!, (wonBy.get(o.lead_source!) ?? 0) + (acvOfOpp.get(o.opportunity_id) ?? 0));
    }
    for (const [ch, s] of spendBy) {
      close(r.overall.acvPerDollarByChannel[ch].spendUsd, s);
      close(r.overall.acvPerDollarByChannel[ch].acvPerDollar!, (wonBy.get(ch) ?? 0) / s);
    }
    for (const [ch, w] of wonBy) close(r.overall.acvPerDollarByChannel[ch].wonAcv, w);

    // Velocity and win rate by source.
    for (const [src, stats] of Object.entries(r.overall.bySource)) {
      const mine = opps.filter((o) => (o.lead_source ?? '(none)') === src);
      const won = mine.filter((o) => o.stage === 'won');
      const lost = mine.filter((o) => o.stage === 'lost');
      expect(stats.opportunities).toBe(mine.length);
      close(stats.winRate!, won.length / (won.length + lost.length));
      const days = won.map((o) => (Date.parse(o.closed_at!) - Date.parse(o.created_at)) / 86_400_000);
      close(stats.velocity.meanDays!, days.reduce((s, d) => s + d, 0) / days.length);
    }

    // Cuts partition the overall: additive totals add up across segments and across regions.
    for (const cut of [r.bySegment, r.byRegion]) {
      const sets = Object.values(cut);
      expect(sets.reduce((s, k) => s + k.marketingLeads, 0)).toBe(r.overall.marketingLeads);
      close(sets.reduce((s, k) => s + k.netOfChurn.marketingAcv, 0), net);
      for (const ch of spendBy.keys()) {
        close(sets.reduce((s, k) => s + k.acvPerDollarByChannel[ch].acvPerDollar!, 0), r.overall.acvPerDollarByChannel[ch].acvPerDollar!);
      }
    }
    console.log(
      `generated world: ${marketingOpp.size} marketing leads, gross ${Math.round(gross)}, net of churn ${Math.round(net)}, ` +
        `ACV per lead ${Math.round(r.overall.acvPerMarketingLead!)} (${r.overall.band}), net ${Math.round(r.overall.netOfChurn.acvPerMarketingLead!)}`,
    );
  }, 60_000);
});
