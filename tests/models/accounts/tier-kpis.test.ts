/**
 * The KPIs by tier against a brute force over the rows (the test's own loops
 * over a random book's opportunities), and the baseline's serving: every
 * account its segment's rate.
 */
import { describe, expect, it } from 'vitest';
import { accountBook } from '../../../models/accounts/book';
import { segmentRates } from '../../../models/accounts/contenders';
import { serveAccounts } from '../../../models/accounts/serve';
import { tierKpis } from '../../../models/accounts/tier-kpis';
import { parseAttributionPolicy } from '../../../models/attribution-policy';
import { knownAt, randomRows } from './fixtures';

const AS_OF = '2026-11-01';

describe('tierKpis', () => {
  it('counts each tier\'s closed and won opportunities of the twelve months, win rate, median velocity and ACV lift as a brute force does', () => {
    const rows = knownAt(randomRows(3, 90), AS_OF);
    const book = accountBook(rows);
    const ids = rows.accounts.map((a) => a.account_id);
    // Tiers by position; families of two for every tenth line, to check that members are pooled.
    const lines = ids.map((id, i) => ({ tier: (i % 3 + 1) as 1 | 2 | 3, members: i % 10 === 0 && ids[i + 1] ? [id, ids[i + 1]] : [id], expectedNewAcv: i, expectedExpansionAcv: 1 }));
    const got = tierKpis(book, lines, AS_OF);
    let totalWon = 0;
    const want = [1, 2, 3].map((tier) => {
      const mine = lines.filter((l) => l.tier === tier);
      const members = new Set(mine.flatMap((l) => l.members));
      let closed = 0, won = 0, wonAcv = 0;
      const days: number[] = [];
      for (const o of rows.opportunities) {
        if (!members.has(o.account_id) || o.closed_at === null || o.closed_at < '2025-11-01' || o.closed_at >= AS_OF || o.stage === 'open') continue;
        closed++;
        if (o.stage !== 'won') continue;
        won++; wonAcv += o.amount_usd!;
        days.push((Date.parse(o.closed_at) - Date.parse(o.created_at)) / 86_400_000);
      }
      days.sort((a, b) => a - b);
      const median = days.length === 0 ? null : days.length % 2 ? days[days.length >> 1] : (days[days.length / 2 - 1] + days[days.length / 2]) / 2;
      totalWon += wonAcv;
      return { tier, accounts: mine.length, closed, won, wonAcv, median, expectedNewAcv: mine.reduce((s, l) => s + l.expectedNewAcv, 0) };
    });
    expect(want.reduce((n, w) => n + w.won, 0)).toBeGreaterThan(5);
    for (const w of want) {
      const g = got[w.tier - 1];
      expect(g).toMatchObject({ tier: w.tier, accounts: w.accounts, closed: w.closed, won: w.won, dealVelocityDays: w.median, expectedNewAcv: w.expectedNewAcv });
      expect(g.wonAcv).toBeCloseTo(w.wonAcv, 6);
      expect(g.winRate).toBe(w.closed ? w.won / w.closed : null);
      expect(g.acvLift!).toBeCloseTo((w.wonAcv / totalWon) / (w.accounts / lines.length), 9);
    }
  });

  it('has no rate, lift or velocity where nothing closed', () => {
    const rows = knownAt(randomRows(4, 20), AS_OF);
    const got = tierKpis(accountBook({ ...rows, opportunities: [] }), rows.accounts.map((a) => ({ tier: 1 as const, members: [a.account_id], expectedNewAcv: 0, expectedExpansionAcv: 0 })), AS_OF);
    expect(got[0]).toMatchObject({ accounts: rows.accounts.length, closed: 0, winRate: null, acvLift: null, dealVelocityDays: null });
    expect(got[1]).toMatchObject({ accounts: 0, winRate: null, acvLift: null });
  });
});

describe('serveAccounts with the baseline', () => {
  it('gives every account its segment\'s historical rate and every customer its segment\'s expansion rate', () => {
    const rows = knownAt(randomRows(5, 120), AS_OF);
    const book = accountBook(rows);
    const policy = parseAttributionPolicy({ version: '1.1.0' }, 'inline').policy.engagement;
    const served = serveAccounts({ kind: 'baseline_rate' }, book, AS_OF, [], policy);
    const win = segmentRates(book, AS_OF, 'win');
    const expansion = segmentRates(book, AS_OF, 'expansion');
    expect(served.wins.length).toBe(rows.accounts.length);
    for (const w of served.wins) {
      expect(w.propensity).toBe(win.bySegment[w.features.segment] ?? win.overall);
      expect(w.expectedNewAcv).toBeCloseTo(w.propensity * (win.size.bySegment[w.features.segment] ?? win.size.overall), 9);
      expect(w.drivers[0].words).toContain('baseline');
    }
    expect(served.expansions.length).toBeGreaterThan(0);
    expect(served.expansions.every((e) => e.features.customer === 1 && e.propensity === (expansion.bySegment[e.features.segment] ?? expansion.overall))).toBe(true);
  });
});
