/**
 * Time to value (params.ts TIME_TO_VALUE): a new customer's usage starts some
 * months after its first contract does. Lags are drawn from stream
 * "usage-lag" only; the latent usage process (what renewals are decided on)
 * is left as it was, only what usage.csv shows in the lag months changes.
 */
import type { Account } from './accounts';
import type { Book } from './contracts';
import { SEGMENT_LIST, TIME_TO_VALUE } from './params';
import type { Rng } from './rng';

/** Values of the `live` array (account-major, one per window month): no contract, a contract with users, a contract before its users came. */
export const NOT_LIVE = 0;
export const LIVE = 1;
export const BEFORE_VALUE = 2;

/**
 * The median of Poisson(mean): the smallest k with P(X ≤ k) ≥ 1/2.
 *
 * @example
 * poissonMedian(3); // 3
 * poissonMedian(0.5); // 0 (P(X = 0) = e^-0.5 ≈ 0.61)
 * poissonMedian(0.7); // 1 (P(X = 0) = e^-0.7 ≈ 0.497, just under a half)
 */
export function poissonMedian(mean: number): number {
  let k = 0;
  let term = Math.exp(-mean);
  let cdf = term;
  while (cdf < 0.5) {
    k++;
    term *= mean / k;
    cdf += term;
  }
  return k;
}

/**
 * Draws each account's first contract's lag (earliest start, then smallest
 * id, as models/finance/time-to-value.ts reads a first contract) and marks
 * its window months start .. start + lag − 1 that had a live contract as
 * BEFORE_VALUE in `live`. Returns truth.json's `timeToValue`.
 *
 * @example
 * const ttv = plantUsageLags(new Rng(7, 'usage-lag'), book, accounts, live, months);
 * ttv.bySegment.enterprise.meanLagMonths; // 3
 */
export function plantUsageLags(rng: Rng, book: Book, accounts: readonly Account[], live: Uint8Array, months: number) {
  const first = new Map<number, Book['contracts'][number]>();
  for (const c of book.contracts) {
    const known = first.get(c.account);
    if (!known || c.startDay < known.startDay || (c.startDay === known.startDay && c.id < known.id)) first.set(c.account, c);
  }
  const firstContracts = [...first.values()].sort((a, b) => a.account - b.account);
  const lags = firstContracts.map((c) => {
    const lag = rng.poisson(TIME_TO_VALUE.bySegment[SEGMENT_LIST[accounts[c.account].segment]].meanLagMonths);
    const from = book.windowMonth(c.startDay);
    for (let m = Math.max(0, from); m < Math.min(months, from + lag); m++) {
      if (live[c.account * months + m] === LIVE) live[c.account * months + m] = BEFORE_VALUE;
    }
    return lag;
  });
  return {
    definitions: {
      lagMonths: 'an account\'s first contract (earliest start) shows zero active users and units in usage.csv for lag months from its start month on; lag ~ Poisson(meanLagMonths) of its segment; users show from start month + lag',
      firstContracts: 'every account\'s first contract and its planted lag, in columns (ids[i] goes with accounts[i] and lagMonths[i]), window or not',
    },
    bySegment: Object.fromEntries(SEGMENT_LIST.map((s) => {
      const { meanLagMonths } = TIME_TO_VALUE.bySegment[s];
      return [s, { meanLagMonths, medianLagMonths: poissonMedian(meanLagMonths) }];
    })),
    firstContracts: {
      ids: firstContracts.map((c) => c.id),
      accounts: firstContracts.map((c) => accounts[c.account].id),
      lagMonths: lags,
    },
  };
}
