/**
 * The KPIs of each tier over the twelve months before the as-of date: what
 * the accounts a tier holds now did lately, so a marketing lead can see
 * whether tier 1 is where the deals are (ACV lift), close (win rate) and
 * close fast (deal velocity). Read from the book as known at the as-of date
 * (an opportunity closed after it is still open), each scored line counting
 * the opportunities of all its members (a family, at the family level).
 */
import { shiftMonths } from '../../lib/dates';
import { median } from 'simple-statistics';
import { dayNumber, WON, LOST, type AccountBook } from './book';

export interface TierKpis {
  tier: 1 | 2 | 3;
  /** Scored lines (accounts, or families) in the tier. */
  accounts: number;
  expectedNewAcv: number;
  expectedExpansionAcv: number;
  /** Opportunities of the tier's accounts closed in the twelve months, and of them won. */
  closed: number;
  won: number;
  /** won / closed; null with none closed. */
  winRate: number | null;
  /** Won ACV (USD) of those months. */
  wonAcv: number;
  /** The tier's share of the won ACV over its share of the scored lines; null when nothing was won. */
  acvLift: number | null;
  /** Median days from created to closed of the won opportunities; null with none. */
  dealVelocityDays: number | null;
}

export interface TieredLine {
  tier: 1 | 2 | 3;
  members: readonly string[];
  expectedNewAcv: number;
  expectedExpansionAcv: number;
}

/**
 * Tier KPIs of scored lines at `asOf` (the first day not seen): opportunities
 * closed in [asOf − 12 months, asOf).
 *
 * @example
 * tierKpis(book, scores.map((s) => ({ tier: s.tier, members: s.members, expectedNewAcv: s.expectedNewAcv, expectedExpansionAcv: s.expectedExpansionAcv })), '2026-11-01');
 * // [{ tier: 1, accounts: 200, won: 41, winRate: 0.38, acvLift: 5.2, dealVelocityDays: 61, … }, …]
 */
export function tierKpis(book: AccountBook, lines: readonly TieredLine[], asOf: string): TierKpis[] {
  const from = dayNumber(shiftMonths(asOf, -12));
  const to = dayNumber(asOf);
  const o = book.opportunities;
  const tiers = ([1, 2, 3] as const).map((tier) => ({ tier, accounts: 0, expectedNewAcv: 0, expectedExpansionAcv: 0, closed: 0, won: 0, wonAcv: 0, days: [] as number[] }));
  for (const line of lines) {
    const t = tiers[line.tier - 1];
    t.accounts++;
    t.expectedNewAcv += line.expectedNewAcv;
    t.expectedExpansionAcv += line.expectedExpansionAcv;
    for (const id of line.members) {
      const s = book.slot.get(id);
      if (s === undefined) continue;
      for (let i = o.start[s]; i < o.start[s + 1]; i++) {
        const closed = o.closed[i];
        if (closed < from || closed >= to || (o.stage[i] !== WON && o.stage[i] !== LOST)) continue;
        t.closed++;
        if (o.stage[i] !== WON) continue;
        t.won++;
        t.wonAcv += o.amountUsd[i];
        t.days.push(closed - o.created[i]);
      }
    }
  }
  const totalLines = lines.length;
  const totalWon = tiers.reduce((a, t) => a + t.wonAcv, 0);
  return tiers.map(({ days, ...t }) => ({
    ...t,
    winRate: t.closed > 0 ? t.won / t.closed : null,
    acvLift: totalWon > 0 && t.accounts > 0 ? (t.wonAcv / totalWon) / (t.accounts / totalLines) : null,
    dealVelocityDays: days.length > 0 ? median(days) : null,
  }));
}
