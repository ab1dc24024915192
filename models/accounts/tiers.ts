/**
 * Tiers 1/2/3 of accounts from their expected ACV (new plus expansion): who
 * sales calls first. By default the top 10% by expected ACV are tier 1 and
 * the next 30% tier 2, the rest tier 3; the cut points are an option, either
 * shares of the ranked accounts or expected-ACV thresholds in USD.
 */

export type TierCuts =
  | { by: 'share'; tier1: number; tier2: number }
  | { by: 'acv'; tier1MinUsd: number; tier2MinUsd: number };

export const DEFAULT_TIER_CUTS: TierCuts = { by: 'share', tier1: 0.1, tier2: 0.3 };

export interface Tiered {
  account_id: string;
  expectedAcv: number;
  /** 1 = highest expected ACV; ties ranked by account_id so a re-run ranks alike. */
  rank: number;
  tier: 1 | 2 | 3;
}

/**
 * Ranks accounts by expected ACV and gives each its tier. With shares, tier 1
 * holds the first ⌈tier1 × n⌉ ranks (the top 10% of 15 accounts is 2, of 5
 * is 1: a tier is never empty for lack of accounts) and tier 2 the ranks up
 * to ⌈(tier1 + tier2) × n⌉.
 *
 * @example
 * assignTiers([{ account_id: 'A', expectedAcv: 5 }, { account_id: 'B', expectedAcv: 9 }], { by: 'acv', tier1MinUsd: 8, tier2MinUsd: 4 });
 * // [{ account_id: 'B', expectedAcv: 9, rank: 1, tier: 1 }, { account_id: 'A', expectedAcv: 5, rank: 2, tier: 2 }]
 */
export function assignTiers(accounts: readonly { account_id: string; expectedAcv: number }[], cuts: TierCuts = DEFAULT_TIER_CUTS): Tiered[] {
  if (cuts.by === 'share' && !(cuts.tier1 >= 0 && cuts.tier2 >= 0 && cuts.tier1 + cuts.tier2 <= 1)) {
    throw new RangeError(`tier shares must be ≥ 0 and sum to at most 1, got ${cuts.tier1} and ${cuts.tier2}`);
  }
  if (cuts.by === 'acv' && !(cuts.tier1MinUsd >= cuts.tier2MinUsd)) throw new RangeError('the tier 1 threshold must be at least the tier 2 threshold');
  const ranked = [...accounts].sort((a, b) => b.expectedAcv - a.expectedAcv || (a.account_id < b.account_id ? -1 : a.account_id > b.account_id ? 1 : 0));
  const n = ranked.length;
  // The epsilon keeps 0.1 × 20 from reading as 2.0000000000000004 and rounding up to 3.
  const upTo = (share: number) => Math.ceil(share * n - 1e-9);
  const first = cuts.by === 'share' ? upTo(cuts.tier1) : 0;
  const second = cuts.by === 'share' ? upTo(cuts.tier1 + cuts.tier2) : 0;
  return ranked.map((a, i) => {
    const tier: 1 | 2 | 3 = cuts.by === 'share'
      ? (i < first ? 1 : i < second ? 2 : 3)
      : (a.expectedAcv >= cuts.tier1MinUsd ? 1 : a.expectedAcv >= cuts.tier2MinUsd ? 2 : 3);
    return { account_id: a.account_id, expectedAcv: a.expectedAcv, rank: i + 1, tier };
  });
}
