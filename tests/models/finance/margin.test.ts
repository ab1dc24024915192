/** Gross margin by lead source on hand-made contracts (run month 2026-10: spend window 2025-11 .. 2026-10). */
import { describe, expect, it } from 'vitest';
import { grossMarginByChannel, NO_LEAD_SOURCE, type MarginContract } from '../../../models/finance/margin';

const c = (id: string, opportunity_id: string | null, acv: number, cost: number | null, status = 'active', start_date = '2026-01-15'): MarginContract =>
  ({ contract_id: id, opportunity_id, start_date, status: status as MarginContract['status'], acv_usd: acv, cost_to_serve_annual_usd: cost });

describe('grossMarginByChannel', () => {
  const contracts = [
    c('C1', 'O1', 1000, 200),
    c('C2', 'O2', 3000, null), // empty cost: 0
    c('C3', 'O3', 500, 100),
    c('C4', 'O4', 700, 50), // no lead source: not marketing-sourced
    c('C5', null, 9000, 0), // a renewal: no opportunity
    c('C6', 'O5', 9000, 0, 'churned'),
    c('C7', 'O6', 800, 100), // a lead source no spend row names
    c('C8', 'O1', 9000, 0, 'active', '2026-11-03'), // starts after the month end
  ];
  const opportunities = [
    { opportunity_id: 'O1', lead_source: 'webinar' }, { opportunity_id: 'O2', lead_source: 'webinar' },
    { opportunity_id: 'O3', lead_source: 'paid_search' }, { opportunity_id: 'O4', lead_source: null },
    { opportunity_id: 'O5', lead_source: 'webinar' }, { opportunity_id: 'O6', lead_source: 'review_site' },
  ];
  const spend = [
    { month: '2025-10', channel: 'webinar', amount_usd: 10_000 }, // before the window
    { month: '2025-11', channel: 'webinar', amount_usd: 1000 },
    { month: '2026-10', channel: 'webinar', amount_usd: 600 },
    { month: '2026-03', channel: 'paid_search', amount_usd: 800 },
    { month: '2026-11', channel: 'paid_search', amount_usd: 10_000 }, // after it
  ];

  it('sums ACV minus cost to serve by lead source, with margin per dollar of the window\'s spend', () => {
    const r = grossMarginByChannel(contracts, opportunities, spend, '2026-10');
    expect(r.window).toEqual({ from: '2025-11', to: '2026-10', asOf: '2026-11-01' });
    expect(r.channels).toEqual([
      { leadSource: 'webinar', channel: 'webinar', contracts: 2, acv: 4000, costToServe: 200, grossMargin: 3800, spend: 1600, marginPerDollar: 3800 / 1600 },
      { leadSource: 'review_site', channel: 'review_site', contracts: 1, acv: 800, costToServe: 100, grossMargin: 700, spend: 0, marginPerDollar: null },
      { leadSource: NO_LEAD_SOURCE, channel: null, contracts: 1, acv: 700, costToServe: 50, grossMargin: 650, spend: null, marginPerDollar: null },
      { leadSource: 'paid_search', channel: 'paid_search', contracts: 1, acv: 500, costToServe: 100, grossMargin: 400, spend: 800, marginPerDollar: 0.5 },
    ]);
  });

  it('maps a lead source to a spend channel when told to', () => {
    const r = grossMarginByChannel(contracts, opportunities, spend, '2026-10', { channelOfLeadSource: { review_site: 'paid_search' } });
    expect(r.channels.find((l) => l.leadSource === 'review_site')).toMatchObject({ channel: 'paid_search', spend: 800, marginPerDollar: 700 / 800 });
  });
});
