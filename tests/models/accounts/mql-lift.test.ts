/**
 * The MQL lift against counts by hand and against a brute-force count: for
 * every account, every opportunity is checked against the window with
 * calendar dates (Date.UTC), not the strings the function compares.
 */
import { describe, expect, it } from 'vitest';
import { mqlLift, type LiftOpportunity } from '../../../models/accounts/mql-lift';
import { createRng } from '../../../models/random';

/** Opened within [cut, cut + months) by Date arithmetic, per account; rates per group. */
function bruteForce(scores: Map<string, number>, threshold: number, accounts: string[], opportunities: LiftOpportunity[], cut: string, months: number) {
  const [y, m, d] = cut.split('-').map(Number);
  const from = Date.UTC(y, m - 1, d);
  const to = Date.UTC(y, m - 1 + months, d);
  const group = { mql: [0, 0], other: [0, 0] };
  for (const id of accounts) {
    let opened = false;
    for (const o of opportunities) {
      const t = Date.parse(`${o.created_at.slice(0, 10)}T00:00:00Z`);
      if (o.account_id === id && t >= from && t < to) opened = true;
    }
    const g = (scores.get(id) ?? 0) >= threshold ? group.mql : group.other;
    g[0]++;
    if (opened) g[1]++;
  }
  return { mqlAccounts: group.mql[0], others: group.other[0], mqlRate: group.mql[1] / group.mql[0], otherRate: group.other[1] / group.other[0] };
}

describe('mqlLift', () => {
  const scores = new Map([['A', 5], ['B', 3], ['C', 2.99], ['D', 0.5], ['X', 9]]);
  const accounts = ['A', 'B', 'C', 'D', 'E', 'F'];
  const opportunities: LiftOpportunity[] = [
    { account_id: 'A', created_at: '2026-05-01' }, // the cut's own day counts
    { account_id: 'A', created_at: '2026-06-15' }, // a second one: still one account
    { account_id: 'B', created_at: '2026-08-01' }, // the window's end: not in it
    { account_id: 'C', created_at: '2026-07-31T23:00:00Z' }, // the last day, as a timestamp
    { account_id: 'D', created_at: '2026-04-30' }, // the day before the cut
    { account_id: 'E', created_at: '2026-05-20' }, // no score: counts as 0
    { account_id: 'X', created_at: '2026-05-20' }, // not known at the cut
  ];

  it('counts each group by hand: A and B over the threshold (3 counts), C to F under it', () => {
    const r = mqlLift(scores, 3, accounts, opportunities, '2026-05-01');
    // MQL: A opened, B did not (1 of 2). Others: C and E opened, D and F did not (2 of 4).
    expect(r).toEqual({ mqlAccounts: 2, others: 4, mqlRate: 0.5, otherRate: 0.5, lift: 1 });
    expect(r).toMatchObject(bruteForce(scores, 3, accounts, opportunities, '2026-05-01', 3));
  });

  it('widens the window with months, and B opens within four', () => {
    const r = mqlLift(scores, 3, accounts, opportunities, '2026-05-01', 4);
    expect(r).toMatchObject({ mqlRate: 1, otherRate: 0.5, lift: 2 });
    expect(r).toMatchObject(bruteForce(scores, 3, accounts, opportunities, '2026-05-01', 4));
  });

  it('says what it cannot divide', () => {
    expect(mqlLift(scores, 100, accounts, opportunities, '2026-05-01').lift).toBeNaN(); // no MQL account
    expect(mqlLift(scores, 3, ['A', 'D'], opportunities, '2026-05-01').lift).toBe(Infinity); // only the MQL one opened
    expect(() => mqlLift(scores, 3, accounts, opportunities, '2026-05')).toThrow(/YYYY-MM-DD/);
    expect(() => mqlLift(scores, 3, accounts, opportunities, '2026-05-01', 0)).toThrow(/months/);
  });

  it('matches a brute-force count on random books', () => {
    const rng = createRng(16);
    for (let trial = 0; trial < 20; trial++) {
      const ids = Array.from({ length: 40 }, (_, i) => `ACC-${i}`);
      const s = new Map(ids.filter(() => rng.uniform() < 0.8).map((id) => [id, 6 * rng.uniform()]));
      const opps: LiftOpportunity[] = Array.from({ length: 60 }, () => {
        const day = new Date(Date.UTC(2026, 2, 1 + Math.floor(rng.uniform() * 200))).toISOString().slice(0, 10);
        return { account_id: ids[Math.floor(rng.uniform() * 45) % ids.length], created_at: day };
      });
      const cut = ['2026-04-01', '2026-05-31', '2026-06-15'][trial % 3];
      const months = 1 + (trial % 4);
      const known = ids.slice(0, 30 + (trial % 10));
      const r = mqlLift(s, 3, known, opps, cut, months);
      const b = bruteForce(s, 3, known, opps, cut, months);
      expect(r).toMatchObject(b);
      expect(r.lift).toBeCloseTo(b.mqlRate / b.otherRate, 12);
    }
  });
});
