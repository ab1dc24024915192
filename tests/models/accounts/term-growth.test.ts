/**
 * An account's usage growth over the term of its live contract that ends
 * first (the feature a renewal's price reads), against a brute force over
 * the rows: the contract found by its dates, the usage months by their own.
 */
import { describe, expect, it } from 'vitest';
import { accountBook } from '../../../models/accounts/book';
import { featuresAt } from '../../../models/accounts/features';
import { knownAt, randomRows } from './fixtures';

const CUT = '2026-05-01';

describe('termGrowth', () => {
  it('is the log change of usage units from the first month of the soonest-ending live contract (the last signed of a tie) to the last month before the cut', () => {
    const rows = knownAt(randomRows(21, 150), CUT);
    const book = accountBook(rows);
    let checked = 0;
    for (const f of featuresAt(book, CUT)) {
      const id = book.ids[f.slot];
      const live = rows.contracts.filter((c) => c.account_id === id && c.start_date < CUT && c.end_date >= CUT)
        .sort((a, b) => (a.end_date < b.end_date ? -1 : a.end_date > b.end_date ? 1 : a.start_date > b.start_date ? -1 : a.start_date < b.start_date ? 1 : 0));
      if (live.length === 0) { expect(f.termGrowth).toBeNull(); continue; }
      const from = live[0].start_date.slice(0, 7);
      const months = new Map<string, number>();
      for (const u of rows.usage) if (u.account_id === id) months.set(u.month.slice(0, 7), (months.get(u.month.slice(0, 7)) ?? 0) + u.usage_units);
      const seen = [...months].filter(([m, units]) => m >= from && m < CUT.slice(0, 7) && units > 0).sort();
      if (seen.length < 2) { expect(f.termGrowth, id).toBeNull(); continue; }
      expect(f.termGrowth, id).toBeCloseTo(Math.log(seen.at(-1)![1]) - Math.log(seen[0][1]), 10);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});
