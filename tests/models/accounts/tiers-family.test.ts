/**
 * Tiers from expected ACV (shares of the ranked accounts by default, or USD
 * thresholds) and the family roll-up, checked by hand.
 */
import { describe, expect, it } from 'vitest';
import { rollUpFamilies, topParents } from '../../../models/accounts/family';
import { assignTiers } from '../../../models/accounts/tiers';

describe('tiers', () => {
  const accounts = Array.from({ length: 20 }, (_, i) => ({ account_id: `A${String(i).padStart(2, '0')}`, expectedAcv: 1000 * (i % 10) + i }));

  it('give the top 10% tier 1 and the next 30% tier 2 by default, ranked by expected ACV', () => {
    const tiers = assignTiers(accounts);
    expect(tiers.map((t) => t.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // expected ACV 9019 (A19) and 9009 (A09) lead, then 8018, 8008, 7017, 7007, 6016, 6006.
    expect(tiers.filter((t) => t.tier === 1).map((t) => t.account_id)).toEqual(['A19', 'A09']);
    expect(tiers.filter((t) => t.tier === 2).map((t) => t.account_id)).toEqual(['A18', 'A08', 'A17', 'A07', 'A16', 'A06']);
    expect(tiers.filter((t) => t.tier === 3)).toHaveLength(12);
  });

  it('take other shares, and USD thresholds', () => {
    const byShare = assignTiers(accounts, { by: 'share', tier1: 0.25, tier2: 0.25 });
    expect(byShare.filter((t) => t.tier === 1)).toHaveLength(5);
    expect(byShare.filter((t) => t.tier === 2)).toHaveLength(5);
    const byAcv = assignTiers(accounts, { by: 'acv', tier1MinUsd: 8000, tier2MinUsd: 5000 });
    expect(byAcv.filter((t) => t.tier === 1).map((t) => t.account_id)).toEqual(['A19', 'A09', 'A18', 'A08']);
    expect(byAcv.filter((t) => t.tier === 2).map((t) => t.account_id)).toEqual(['A17', 'A07', 'A16', 'A06', 'A15', 'A05']);
  });

  it('round a tier\'s share of the accounts up', () => {
    const five = assignTiers(accounts.slice(0, 5));
    expect(five.map((t) => t.tier)).toEqual([1, 2, 3, 3, 3]); // ⌈0.5⌉ = 1, ⌈2⌉ = 2
    const fifteen = assignTiers(accounts.slice(0, 15));
    expect(fifteen.filter((t) => t.tier === 1)).toHaveLength(2);
    expect(fifteen.filter((t) => t.tier === 2)).toHaveLength(4);
  });

  it('rank ties by account id and refuse shares over 1', () => {
    const tied = assignTiers([{ account_id: 'B', expectedAcv: 1 }, { account_id: 'A', expectedAcv: 1 }], { by: 'share', tier1: 0.5, tier2: 0 });
    expect(tied.map((t) => [t.account_id, t.tier])).toEqual([['A', 1], ['B', 3]]);
    expect(() => assignTiers(accounts, { by: 'share', tier1: 0.6, tier2: 0.6 })).toThrow(RangeError);
  });
});

describe('the family roll-up', () => {
  const accounts = [
    { account_id: 'P', parent_account_id: null },
    { account_id: 'S1', parent_account_id: 'P' },
    { account_id: 'S2', parent_account_id: 'S1' },
    { account_id: 'Q', parent_account_id: null },
  ];

  it('finds each account\'s top parent through the tree', () => {
    expect(Object.fromEntries(topParents(accounts))).toEqual({ P: 'P', S1: 'P', S2: 'P', Q: 'Q' });
  });

  it('adds expected ACVs and reads a propensity as 1 − Π(1 − p) (by hand)', () => {
    const lines = [
      { account_id: 'S2', winPropensity: 0.2, expectedNewAcv: 1000, expansionPropensity: null, expectedExpansionAcv: 0 },
      { account_id: 'P', winPropensity: 0.5, expectedNewAcv: 4000, expansionPropensity: 0.3, expectedExpansionAcv: 600 },
      { account_id: 'S1', winPropensity: 0.1, expectedNewAcv: 500, expansionPropensity: 0.5, expectedExpansionAcv: 900 },
      { account_id: 'Q', winPropensity: 0.4, expectedNewAcv: 2000, expansionPropensity: null, expectedExpansionAcv: 0 },
    ];
    const families = rollUpFamilies(lines, topParents(accounts));
    const p = families.find((f) => f.account_id === 'P')!;
    expect(p.members).toEqual(['P', 'S1', 'S2']);
    expect(p.winPropensity).toBeCloseTo(1 - 0.8 * 0.5 * 0.9, 12); // 0.64
    expect(p.expectedNewAcv).toBe(5500);
    expect(p.expansionPropensity).toBeCloseTo(1 - 0.7 * 0.5, 12); // 0.65: S2 holds no contract
    expect(p.expectedExpansionAcv).toBe(1500);
    expect(families.find((f) => f.account_id === 'Q')).toEqual({ ...lines[3], members: ['Q'] });
    expect(families).toHaveLength(2);
  });
});
