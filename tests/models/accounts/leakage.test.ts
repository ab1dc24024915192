/**
 * No leakage: what the account models know at a cut is what an export taken
 * on the cut date held. Features at the cut, and models fitted at an as-of
 * date, must come out the same from the whole book, from the export of the
 * cut (fixtures.ts knownAt: later rows removed, deals closed later still open,
 * contract statuses not yet written), and from the book with extra rows
 * after the cut.
 */
import { describe, expect, it } from 'vitest';
import { accountBook } from '../../../models/accounts/book';
import { fitExpansionModel } from '../../../models/accounts/expansion';
import { featuresAt, type AccountFeatures } from '../../../models/accounts/features';
import { featuresWithEngagement } from '../../../models/accounts/training';
import { fitWinModel } from '../../../models/accounts/win-propensity';
import { futureRows, knownAt, randomRows, type TestRows } from './fixtures';

/** Features by account id (slots differ between books). */
function byAccount(rows: TestRows, cut: string): Record<string, Omit<AccountFeatures, 'slot'>> {
  const book = accountBook(rows);
  return Object.fromEntries(featuresAt(book, cut).map(({ slot, ...f }) => [book.ids[slot], f]));
}

describe('account features at a cut', () => {
  for (const seed of [1, 2, 3]) {
    for (const cut of ['2024-03-01', '2025-06-01', '2025-06-17', '2026-02-01']) {
      it(`are those of the export taken at ${cut}, with or without later rows (seed ${seed})`, () => {
        const rows = randomRows(seed);
        const whole = byAccount(rows, cut);
        expect(Object.keys(whole).length).toBeGreaterThan(20);
        expect(byAccount(knownAt(rows, cut), cut)).toEqual(whole);
        expect(byAccount(futureRows(rows, cut, seed), cut)).toEqual(whole);
      });
    }
  }

  it('leave out the accounts created on or after the cut', () => {
    const rows = randomRows(4);
    const cut = '2025-06-01';
    const late = rows.accounts.filter((a) => a.created_at >= cut).map((a) => a.account_id);
    expect(late.length).toBeGreaterThan(0);
    const known = Object.keys(byAccount(rows, cut));
    for (const id of late) expect(known).not.toContain(id);
  });

  it('read the engagement of the day before the cut', () => {
    const rows = randomRows(5);
    const asked: string[] = [];
    const id = rows.accounts.find((a) => a.created_at < '2025-01-01')!.account_id;
    const book = accountBook(rows);
    const f = featuresWithEngagement(book, '2025-06-01', (day) => { asked.push(day); return new Map([[id, 3.5]]); });
    expect(asked).toEqual(['2025-05-31']);
    expect(f.find((x) => book.ids[x.slot] === id)?.engagement).toBe(3.5);
    expect(f.filter((x) => x.engagement !== 0)).toHaveLength(1);
  });
});

describe('models fitted at an as-of date', () => {
  for (const seed of [1, 2]) {
    it(`are the same from the whole book, the export of the as-of date and a book with later rows (seed ${seed})`, () => {
      const rows = randomRows(seed, 150);
      const asOf = '2026-02-01';
      const options = { everyMonths: 3, maxCuts: 4 };
      const win = fitWinModel(accountBook(rows), asOf, options);
      expect(win.cuts.length).toBe(4);
      expect(win.fit.positives).toBeGreaterThan(0);
      expect(fitWinModel(accountBook(knownAt(rows, asOf)), asOf, options)).toEqual(win);
      expect(fitWinModel(accountBook(futureRows(rows, asOf, seed)), asOf, options)).toEqual(win);
      const expansion = fitExpansionModel(accountBook(rows), asOf, { ...options, horizonMonths: 6 });
      expect(expansion.fit.positives).toBeGreaterThan(0);
      expect(fitExpansionModel(accountBook(knownAt(rows, asOf)), asOf, { ...options, horizonMonths: 6 })).toEqual(expansion);
      expect(fitExpansionModel(accountBook(futureRows(rows, asOf, seed)), asOf, { ...options, horizonMonths: 6 })).toEqual(expansion);
    });
  }
});
