import { describe, expect, it } from 'vitest';
import { activeContracts, renewalDecisions, type RenewalContract } from '../../models/renewal';
import { customerLifetimes, decisionsByRank, survivalSummary } from '../../models/lifetimes';
import { fitSbgAtRisk } from '../../models/sbg';

/** Three chains, derived by hand:
 * A: C1 2022-01-01..2023-01-01 renewed by C2 2023-01-01..2024-01-01, churned -> event at 24 months, 1 renewal.
 * B: C3 2023-01-01..2024-01-01 churned -> event at 12 months, 0 renewals.
 * C: C4 2023-07-01..2024-07-01 renewed by C5 2024-07-01..2025-07-01, live at asOf 2025-01-01 -> censored at 18 months.
 */
const contracts: RenewalContract[] = [
  { contract_id: 'C1', account_id: 'A', previous_contract_id: null, start_date: '2022-01-01', end_date: '2023-01-01', term_months: 12, discount_pct: 10, status: 'renewed', acv_usd: 1000 },
  { contract_id: 'C2', account_id: 'A', previous_contract_id: 'C1', start_date: '2023-01-01', end_date: '2024-01-01', term_months: 12, discount_pct: 5, status: 'churned', acv_usd: 1100 },
  { contract_id: 'C3', account_id: 'B', previous_contract_id: null, start_date: '2023-01-01', end_date: '2024-01-01', term_months: 12, discount_pct: 0, status: 'churned', acv_usd: 500 },
  { contract_id: 'C4', account_id: 'C', previous_contract_id: null, start_date: '2023-07-01', end_date: '2024-07-01', term_months: 12, discount_pct: 20, status: 'renewed', acv_usd: 800 },
  { contract_id: 'C5', account_id: 'C', previous_contract_id: 'C4', start_date: '2024-07-01', end_date: '2025-07-01', term_months: 12, discount_pct: 20, status: 'active', acv_usd: 900 },
];
const accounts = [
  { account_id: 'A', segment: 'smb', region: 'NA' },
  { account_id: 'B', segment: 'smb', region: 'EMEA' },
  { account_id: 'C', segment: 'enterprise', region: 'NA' },
];
const asOf = '2025-01-01';

describe('customer lifetimes from renewal chains (hand-derived, exact)', () => {
  const decisions = renewalDecisions(contracts, accounts, [], asOf);
  const active = activeContracts(contracts, accounts, [], asOf);
  const lifetimes = customerLifetimes(decisions, active, asOf);

  it('one lifetime per chain: churns are events at their tenure, live chains censored at asOf', () => {
    const byContract = Object.fromEntries(lifetimes.map((l) => [l.contract_id, l]));
    expect(Object.keys(byContract).sort()).toEqual(['C2', 'C3', 'C5']);
    expect(byContract.C2).toMatchObject({ months: 24, churned: true, renewals: 1, segment: 'smb' });
    expect(byContract.C3).toMatchObject({ months: 12, churned: true, renewals: 0 });
    expect(byContract.C5).toMatchObject({ months: 18, churned: false, renewals: 1, segment: 'enterprise' });
  });

  it('decisions by rank: 1st renewals A(renewed), B(churned), C(renewed); 2nd renewal A(churned)', () => {
    expect(decisionsByRank(decisions)).toEqual({ atRisk: [3, 1], churned: [1, 1] });
  });

  it('the summary: KM of all chains by hand, S(12) = 2/3, S(24) = 0 (tolerance 1e-12)', () => {
    const s = survivalSummary(lifetimes, decisions);
    const all = s.curves.all;
    expect(all.map((p) => p.t)).toEqual([12, 18, 24]);
    expect(all[0].survival).toBeCloseTo(2 / 3, 12);
    expect(all[1].survival).toBeCloseTo(2 / 3, 12); // censoring at 18 does not move the curve
    expect(all[2].survival).toBeCloseTo(0, 12);
    expect(s.medians.all).toEqual({ median: 24, n: 3, events: 2 });
    expect(Object.keys(s.curves).sort()).toEqual(['all', 'enterprise', 'smb']);
    expect(s.cox).toBeNull(); // fewer than 10 events: no Cox fit is claimed
    // sBG on the same at-risk table as fitSbgAtRisk directly.
    const direct = fitSbgAtRisk([3, 1], [1, 1]);
    expect(s.sbg?.alpha).toBeCloseTo(direct.alpha, 9);
  });
});

describe('survival summary on a planted hazard (Cox recovers it)', () => {
  it('a segment with half the churn hazard gets a Cox coefficient near -log 2 against the reference (tolerance 0.15, about 2.5 SE)', () => {
    // Exponential lifetimes, hazard 0.02/month (smb) and 0.04/month (enterprise), censored at 48 months; deterministic quantiles.
    const lifetimes = [];
    const n = 600;
    for (let i = 0; i < n; i++) {
      const u = (i + 0.5) / n;
      for (const [segment, h] of [['smb', 0.02], ['enterprise', 0.04]] as const) {
        const t = -Math.log(1 - u) / h;
        lifetimes.push({ contract_id: `${segment}${i}`, account_id: 'x', segment, region: null, months: Math.min(t, 48), churned: t < 48, renewals: 0, discountPct: null });
      }
    }
    const s = survivalSummary(lifetimes, []);
    // Equal sizes: the reference is the first by name (enterprise), so smb's coefficient is log(0.02/0.04).
    expect(Object.keys(s.cox!.coefficients)).toEqual(['segment=smb']);
    expect(Math.abs(s.cox!.coefficients['segment=smb'] + Math.log(2))).toBeLessThan(0.15);
    expect(s.logRank!.p).toBeLessThan(1e-6);
    // KM median of an exponential with hazard h is ln 2 / h: 34.66 months for smb (tolerance 0.5 month on a 600-point grid).
    expect(s.medians.smb.median!).toBeCloseTo(Math.log(2) / 0.02, 0);
    expect(s.sbg).toBeNull();
  });
});

describe('survival summary when the Cox information is singular', () => {
  it('reports no Cox fit, and keeps the curves, when a covariate varies only among subjects gone before the first churn', () => {
    const l = (i: number, months: number, churned: boolean, discountPct: number) =>
      ({ contract_id: `C${i}`, account_id: 'x', segment: 'smb', region: null, months, churned, renewals: 0, discountPct });
    // Discount differs only for three contracts censored at 0.5 months: no risk set at a churn sees it vary.
    const lifetimes = [...Array.from({ length: 20 }, (_, i) => l(i, i + 1, true, 0)), l(20, 0.5, false, 10), l(21, 0.5, false, 10), l(22, 0.5, false, 10)];
    const s = survivalSummary(lifetimes, []);
    expect(s.cox).toBeNull();
    expect(s.medians.all).toEqual({ median: 10, n: 23, events: 20 });
  });
});
