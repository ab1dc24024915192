import { describe, expect, it } from 'vitest';
import { kpiBand, marketingKpis, type KpiAccount, type KpiContract, type KpiOpportunity } from '../../models/kpi';

const accounts: KpiAccount[] = [
  { account_id: 'P', parent_account_id: null, segment: 'enterprise', region: 'NA' },
  { account_id: 'S', parent_account_id: 'P', segment: 'smb', region: 'EMEA' }, // rolls up to P: enterprise / NA
  { account_id: 'M', parent_account_id: null, segment: 'mid_market', region: 'EMEA' },
  { account_id: 'U', parent_account_id: null, segment: 'smb', region: null },
];
const opportunities: KpiOpportunity[] = [
  { opportunity_id: 'O1', account_id: 'P', stage: 'won', lead_source: 'webinar' },
  { opportunity_id: 'O2', account_id: 'S', stage: 'won', lead_source: 'paid_search' },
  { opportunity_id: 'O3', account_id: 'S', stage: 'lost', lead_source: 'webinar' },
  { opportunity_id: 'O4', account_id: 'M', stage: 'won', lead_source: null }, // sales-sourced
  { opportunity_id: 'O5', account_id: 'M', stage: 'open', lead_source: 'event' },
  { opportunity_id: 'O6', account_id: 'U', stage: 'won', lead_source: 'event' },
  { opportunity_id: 'O7', account_id: 'M', stage: 'won', lead_source: 'event' }, // no contract yet
];
const contracts: KpiContract[] = [
  { contract_id: 'C1', opportunity_id: 'O1', previous_contract_id: null, acv_usd: 900_000 },
  { contract_id: 'C2', opportunity_id: 'O2', previous_contract_id: null, acv_usd: 600_000 },
  { contract_id: 'C2r', opportunity_id: 'O2', previous_contract_id: 'C2', acv_usd: 700_000 }, // a renewal: not first
  { contract_id: 'C4', opportunity_id: 'O4', previous_contract_id: null, acv_usd: 5_000_000 }, // not marketing
  { contract_id: 'C6', opportunity_id: 'O6', previous_contract_id: null, acv_usd: 300_000 },
];

describe('kpiBand', () => {
  it.each([
    { v: 2_000_000, band: 'strong' },
    { v: 1_000_000, band: 'strong' },
    { v: 999_999.99, band: 'moderate' },
    { v: 500_000, band: 'moderate' },
    { v: 499_999, band: 'underperforming' },
    { v: 0, band: 'underperforming' },
  ])('$v -> $band', ({ v, band }) => expect(kpiBand(v)).toBe(band));
  it('uses configured thresholds', () => expect(kpiBand(300_000, { strong: 400_000, moderate: 200_000 })).toBe('moderate'));
});

describe('marketingKpis (hand-computed)', () => {
  const r = marketingKpis(opportunities, contracts, accounts);
  it('overall: 1.8M first-contract ACV over 6 marketing leads and 4 marketing won deals', () => {
    expect(r.overall).toMatchObject({
      marketingLeads: 6,
      marketingAcv: 1_800_000,
      acvPerMarketingLead: 300_000,
      band: 'underperforming',
      marketingWonDeals: 4,
      acvPerMarketingWonDeal: 450_000,
    });
    expect(r.overall.winRateByLeadSource).toEqual({
      event: { opportunities: 3, won: 2, lost: 0, open: 1, winRate: 1 },
      paid_search: { opportunities: 1, won: 1, lost: 0, open: 0, winRate: 1 },
      webinar: { opportunities: 2, won: 1, lost: 1, open: 0, winRate: 0.5 },
    });
  });
  it.each([
    { cut: 'bySegment', key: 'enterprise', leads: 3, acv: 1_500_000, perLead: 500_000, band: 'moderate', won: 2 },
    { cut: 'bySegment', key: 'mid_market', leads: 2, acv: 0, perLead: 0, band: 'underperforming', won: 1 },
    { cut: 'bySegment', key: 'smb', leads: 1, acv: 300_000, perLead: 300_000, band: 'underperforming', won: 1 },
    { cut: 'byRegion', key: 'NA', leads: 3, acv: 1_500_000, perLead: 500_000, band: 'moderate', won: 2 },
    { cut: 'byRegion', key: 'EMEA', leads: 2, acv: 0, perLead: 0, band: 'underperforming', won: 1 },
    { cut: 'byRegion', key: '(unknown)', leads: 1, acv: 300_000, perLead: 300_000, band: 'underperforming', won: 1 },
  ] as const)('$cut $key (subsidiary S counted under its parent P)', ({ cut, key, leads, acv, perLead, band, won }) => {
    expect(r[cut][key]).toMatchObject({
      marketingLeads: leads,
      marketingAcv: acv,
      acvPerMarketingLead: perLead,
      band,
      marketingWonDeals: won,
    });
  });
  it('a cut with no marketing leads has null ratios, not a division by zero', () => {
    const only = marketingKpis([opportunities[3]], contracts, accounts);
    expect(only.overall).toMatchObject({ marketingLeads: 0, acvPerMarketingLead: null, band: null, acvPerMarketingWonDeal: null });
  });
  it('survives an account cycle (reported) without hanging', () => {
    const cyc = marketingKpis(
      [{ opportunity_id: 'Q', account_id: 'Y', stage: 'won', lead_source: 'email' }],
      [],
      [
        { account_id: 'X', parent_account_id: 'Y', segment: 'smb', region: 'NA' },
        { account_id: 'Y', parent_account_id: 'X', segment: 'enterprise', region: 'APAC' },
      ],
    );
    expect(cyc.accountCycles).toEqual([['X', 'Y']]);
    expect(Object.keys(cyc.bySegment)).toEqual(['smb']); // the cycle's smallest id, X, is its top
  });
});
