/**
 * The account scores a run reports: each account's win and expansion
 * propensities and expected ACVs side by side, its rank and tier by expected
 * ACV (new plus expansion), and its top three drivers in words, taken from
 * the model that brings it the larger expected ACV (a customer about to
 * renew is read by the expansion model, a prospect by the win model). At the
 * family level the accounts first roll up to their top parents (family.ts)
 * and a family is read through its member with the largest expected ACV.
 */
import { driversText, type Driver } from './drivers';
import type { ExpansionScore } from './expansion';
import { rollUpFamilies, type AccountScoreLine } from './family';
import { assignTiers, DEFAULT_TIER_CUTS, type TierCuts } from './tiers';
import type { WinScore } from './win-propensity';

export interface AccountScore extends AccountScoreLine {
  rank: number;
  tier: 1 | 2 | 3;
  /** Engagement at the as-of date (the family's sum at the family level). */
  engagement: number;
  drivers: Driver[];
  /** The drivers as one line, each with its sign. */
  driversText: string;
  /** The accounts scored together: the account itself, or its family. */
  members: string[];
}

export interface AccountScoreOptions {
  tiers?: TierCuts;
  /** Score each account (default) or each family under its top parent. */
  level?: 'account' | 'family';
  /** account_id → its top parent (family.ts topParents); needed at the family level. */
  topParent?: ReadonlyMap<string, string>;
}

/**
 * Joins the two models' scores (by account_id; an account without a live
 * contract has no expansion score) and ranks them.
 *
 * @example
 * accountScores(scoreWins(win, book), scoreExpansions(expansion, book)).filter((s) => s.tier === 1);
 */
export function accountScores(wins: readonly WinScore[], expansions: readonly ExpansionScore[], options: AccountScoreOptions = {}): AccountScore[] {
  const expansionOf = new Map(expansions.map((e) => [e.account_id, e]));
  const lines = wins.map((w) => {
    const e = expansionOf.get(w.account_id);
    const expectedExpansionAcv = e?.expectedExpansionAcv ?? 0;
    return {
      account_id: w.account_id,
      winPropensity: w.propensity,
      expectedNewAcv: w.expectedNewAcv,
      expansionPropensity: e ? e.propensity : null,
      expectedExpansionAcv,
      engagement: w.features.engagement,
      drivers: e && expectedExpansionAcv > w.expectedNewAcv ? e.drivers : w.drivers,
    };
  });
  const lineOf = new Map(lines.map((l) => [l.account_id, l]));
  const level = options.level ?? 'account';
  if (level === 'family' && !options.topParent) throw new RangeError('accountScores: the family level needs each account\'s top parent');
  const scored = level === 'account'
    ? lines.map((l) => ({ ...l, members: [l.account_id] }))
    : rollUpFamilies(lines, options.topParent!).map((f) => {
      const members = f.members.map((id) => lineOf.get(id)!);
      const lead = members.reduce((a, b) => (b.expectedNewAcv + b.expectedExpansionAcv > a.expectedNewAcv + a.expectedExpansionAcv ? b : a));
      const drivers = members.length > 1 ? lead.drivers.map((d) => ({ ...d, words: `${lead.account_id}: ${d.words}` })) : lead.drivers;
      return { ...f, engagement: members.reduce((t, m) => t + m.engagement, 0), drivers };
    });
  const byId = new Map(scored.map((s) => [s.account_id, s]));
  return assignTiers(scored.map((s) => ({ account_id: s.account_id, expectedAcv: s.expectedNewAcv + s.expectedExpansionAcv })), options.tiers ?? DEFAULT_TIER_CUTS)
    .map((t) => {
      const s = byId.get(t.account_id)!;
      return {
        account_id: s.account_id, winPropensity: s.winPropensity, expectedNewAcv: s.expectedNewAcv,
        expansionPropensity: s.expansionPropensity, expectedExpansionAcv: s.expectedExpansionAcv,
        rank: t.rank, tier: t.tier, engagement: s.engagement, drivers: s.drivers, driversText: driversText(s.drivers), members: s.members,
      };
    });
}
