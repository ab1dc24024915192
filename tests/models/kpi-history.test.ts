/**
 * Issue 12: the KPI bands are the seed's ($1M per marketing lead is strong),
 * so every world read "underperforming". Beside the band, a run now carries
 * the same KPI over the twelve months before its month: the company's own
 * level. Hand-made data, numbers by hand.
 */
import { describe, expect, it } from 'vitest';
import { kpiRows } from '../../activities/kpi-rows';
import { kpiBandsOf } from '../../activities/score';
import { bandText, historyText } from '../../queries/kpi-summary';
import { marketingKpiReport, trailingKpiReport, trailingMonths, type KpiAccount, type KpiContractDated, type KpiOpportunityDated } from '../../models/kpi';

const accounts: KpiAccount[] = [
  { account_id: 'A', parent_account_id: null, segment: 'enterprise', region: 'NA' },
  { account_id: 'B', parent_account_id: null, segment: 'smb', region: 'EMEA' },
];
const opp = (id: string, account: string, created: string, stage: 'open' | 'won' | 'lost', closed: string | null, lead: string | null = 'webinar'): KpiOpportunityDated =>
  ({ opportunity_id: id, account_id: account, stage, lead_source: lead, created_at: created, closed_at: closed });
const opportunities = [
  opp('O1', 'A', '2025-09-15', 'won', '2025-11-01'), // before the window
  opp('O2', 'A', '2025-10-01', 'won', '2025-12-01'), // first day of the window
  opp('O3', 'B', '2026-03-10', 'lost', '2026-04-01'),
  opp('O4', 'B', '2026-09-30', 'won', '2026-10-10'), // last day of the window, won in the run's month
  opp('O5', 'A', '2026-10-05', 'open', null), // the run's month: not history
  opp('O6', 'B', '2026-01-01', 'won', '2026-02-01', null), // not a marketing lead
];
const contract = (id: string, o: string, acv: number): KpiContractDated => ({ contract_id: id, opportunity_id: o, previous_contract_id: null, acv_usd: acv, end_date: '2027-12-31' });
const contracts = [contract('C1', 'O1', 900_000), contract('C2', 'O2', 120_000), contract('C4', 'O4', 60_000), contract('C6', 'O6', 500_000)];
const spend = [{ month: '2025-09', channel: 'webinar', amount_usd: 100_000 }, { month: '2026-06', channel: 'webinar', amount_usd: 90_000 }];
const asOf = '2026-11-01';
const bands = { strong: 200_000, moderate: 100_000 };

describe('trailingMonths', () => {
  it.each([
    { month: '2026-10', from: '2025-10', to: '2026-09' },
    { month: '2026-01', from: '2025-01', to: '2025-12' },
  ])('the twelve months before $month are $from .. $to', ({ month, from, to }) => expect(trailingMonths(month)).toEqual({ from, to }));
});

describe('the same KPI over the twelve months before the run (hand-computed)', () => {
  const current = marketingKpiReport(opportunities, contracts, accounts, spend, { asOf, thresholds: bands });
  const history = trailingKpiReport(opportunities, contracts, accounts, spend, { asOf, thresholds: bands, month: '2026-10' });

  it('overall: leads O2, O3, O4 created 2025-10 .. 2026-09, ACV 120k + 60k = 180k, 60,000 per lead; the run reads 1.08M / 5 = 216,000', () => {
    expect(history.window).toEqual({ from: '2025-10', to: '2026-09' });
    expect(history.overall).toMatchObject({ marketingLeads: 3, marketingAcv: 180_000, acvPerMarketingLead: 60_000, band: 'underperforming' });
    expect(current.overall).toMatchObject({ marketingLeads: 5, marketingAcv: 1_080_000, acvPerMarketingLead: 216_000, band: 'strong' });
  });

  it('by segment: enterprise 120k / 1 lead, smb 60k / 2 leads = 30,000', () => {
    expect(history.bySegment.enterprise.acvPerMarketingLead).toBe(120_000);
    expect(history.bySegment.smb.acvPerMarketingLead).toBe(30_000);
  });

  it("ACV per dollar over the window's spend only: O2's 120k won in the window over 90k = 1.333 (O4 won after it)", () => {
    expect(history.overall.acvPerDollarByChannel.webinar.spendUsd).toBe(90_000);
    expect(history.overall.acvPerDollarByChannel.webinar.acvPerDollar).toBeCloseTo(120_000 / 90_000, 12);
  });

  it('rides on the KPI rows beside the band: value, leads and change = 216,000 / 60,000 − 1 = 2.6', () => {
    const rows = kpiRows(current, bands, history);
    const overall = rows.find((r) => r.name === 'acv_from_marketing_leads' && r.dimension === 'all')!;
    expect(overall.detail).toMatchObject({ band: 'strong', thresholds: bands,
      history: { window: { from: '2025-10', to: '2026-09' }, value: 60_000, band: 'underperforming', marketingLeads: 3, marketingAcv: 180_000 } });
    expect((overall.detail as any).history.change).toBeCloseTo(2.6, 12);
    const smb = rows.find((r) => r.name === 'acv_from_marketing_leads' && r.dimension === 'segment' && r.key === 'smb')!;
    expect((smb.detail as any).history.value).toBe(30_000);
    expect((smb.detail as any).history.change).toBe(0); // smb's leads all fall in the window (O6 is not a marketing lead)
  });

  it('says it in words: the bands judged by, and the run against its own history', () => {
    const overall = kpiRows(current, bands, history).find((r) => r.name === 'acv_from_marketing_leads' && r.dimension === 'all')!;
    const k = { value: overall.value, ...(overall.detail as object) };
    expect(bandText(k)).toBe('strong (strong ≥ $200,000, moderate ≥ $100,000)');
    expect(historyText(k)).toBe('2025-10 – 2026-09: $60,000 per lead over 3 leads (this run +260.0%; the window\'s newest leads have had less time to close)');
  });
});

describe("the bands a run uses come from its config's kpi.bands", () => {
  it('a run with its own bands uses them; one without (or started before the key) uses the defaults', () => {
    expect(kpiBandsOf({ kpi: { bands } } as any)).toEqual(bands);
    expect(kpiBandsOf(null)).toEqual({ strong: 1_000_000, moderate: 500_000 });
    expect(kpiBandsOf({ budget: { recentMonths: 3, maxChange: 0.2, uncertaintyPenalty: 0 } } as any)).toEqual({ strong: 1_000_000, moderate: 500_000 });
  });
});
