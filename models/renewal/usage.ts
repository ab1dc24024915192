/** An account's usage before a decision: the ratio of two three-month sums, the log slope, or the filtered trend (the three measures models were fitted with). */
import { linearRegression } from 'simple-statistics';
import { monthIndex } from '../../lib/dates';
import { fitUsageDynamics, latentTrend, type UsageDynamics } from '../usage-trend';
import type { RenewalUsage } from './types';

export function buildUsageIndex(usage: readonly RenewalUsage[]): Map<string, Map<number, number>> {
  const byAccount = new Map<string, Map<number, number>>();
  for (const u of usage) {
    let m = byAccount.get(u.account_id);
    if (!m) byAccount.set(u.account_id, (m = new Map()));
    m.set(monthIndex(u.month), (m.get(monthIndex(u.month)) ?? 0) + u.usage_units);
  }
  return byAccount;
}

/**
 * Usage trend of an account at a reference month: total usage of the three
 * months before it over the three months before those. Null when either
 * window has no rows or the earlier window totals zero.
 *
 * @example
 * usageTrend([
 *   { account_id: 'A', month: '2024-01', usage_units: 10 }, { account_id: 'A', month: '2024-02', usage_units: 10 },
 *   { account_id: 'A', month: '2024-03', usage_units: 10 }, { account_id: 'A', month: '2024-04', usage_units: 20 },
 *   { account_id: 'A', month: '2024-05', usage_units: 20 }, { account_id: 'A', month: '2024-06', usage_units: 20 },
 * ], 'A', '2024-07'); // 2
 */
export function usageTrend(usage: readonly RenewalUsage[], accountId: string, refMonth: string): number | null {
  return trendFromIndex(buildUsageIndex(usage), accountId, monthIndex(refMonth));
}

export function trendFromIndex(index: Map<string, Map<number, number>>, accountId: string, ref: number): number | null {
  const m = index.get(accountId);
  if (!m) return null;
  let recent = 0;
  let earlier = 0;
  let nRecent = 0;
  let nEarlier = 0;
  for (let k = 1; k <= 3; k++) {
    const r = m.get(ref - k);
    if (r !== undefined) {
      recent += r;
      nRecent++;
    }
    const e = m.get(ref - 3 - k);
    if (e !== undefined) {
      earlier += e;
      nEarlier++;
    }
  }
  if (nRecent === 0 || nEarlier === 0 || earlier <= 0) return null;
  return recent / earlier;
}

/** Three quarters: long enough that a month's noise is averaged out, short enough to follow a change of course. */
export const USAGE_SLOPE_MONTHS = 9;

/** A slope through two points is one month's noise; three is the fewest that averages any. */
export const USAGE_SLOPE_MIN_MONTHS = 3;

/**
 * Monthly change of log usage of an account before a reference month: the
 * least-squares slope of log(usage) on month over the months with positive
 * usage among the USAGE_SLOPE_MONTHS before it. A missing month is skipped,
 * not read as zero (the drop has no row for a month nobody used). Null with
 * fewer than USAGE_SLOPE_MIN_MONTHS such months.
 *
 * @example
 * // usage doubling every month: the slope is log 2 per month
 * usageSlope([1, 2, 3, 4].map((k) => ({ account_id: 'A', month: `2024-0${k}`, usage_units: 2 ** k })), 'A', '2024-05'); // Math.LN2
 */
export function usageSlope(usage: readonly RenewalUsage[], accountId: string, refMonth: string): number | null {
  return slopeFromIndex(buildUsageIndex(usage), accountId, monthIndex(refMonth));
}

export function slopeFromIndex(index: Map<string, Map<number, number>>, accountId: string, ref: number): number | null {
  const m = index.get(accountId);
  if (!m) return null;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 1; k <= USAGE_SLOPE_MONTHS; k++) {
    const u = m.get(ref - k);
    if (u !== undefined && u > 0) {
      xs.push(-k);
      ys.push(Math.log(u));
    }
  }
  if (xs.length < USAGE_SLOPE_MIN_MONTHS) return null;
  return linearRegression(xs.map((x, i) => [x, ys[i]])).m;
}

/** Half a year: long enough to be a trend a customer acts on, short enough to be the current one. */
export const USAGE_TREND_MONTHS = 6;

/** The dynamics of usage are fitted on at most this many accounts' series: enough to pin six numbers, and bounded in cost. */
export const USAGE_DYNAMICS_MAX_ACCOUNTS = 2000;

/** One usage column read through the filter: each account's log values by month and the dynamics fitted to them. */
export interface LatentSeries {
  dynamics: UsageDynamics | null;
  /** Log value by month from `firstMonth` (NaN: none that month), per account. */
  series: Map<string, number[]>;
  firstMonth: number;
}

export interface LatentUsage {
  units: LatentSeries;
  /** Null when the usage rows do not all carry active users. */
  users: LatentSeries | null;
}

const latentUsageCache = new WeakMap<readonly RenewalUsage[], LatentUsage>();

/**
 * Usage units and, when every row carries them, active users, each read
 * through its own filter, once per usage table (renewalDecisions and
 * activeContracts read the same one). Both go to the model: which of them
 * carries the trend a customer's renewal follows (seats in use, or
 * consumption) depends on the product, and the logistic weighs them.
 */
export function latentUsageOf(usage: readonly RenewalUsage[]): LatentUsage {
  const cached = latentUsageCache.get(usage);
  if (cached) return cached;
  const withUsers = usage.length > 0 && usage.every((u) => typeof u.active_users === 'number');
  const out = {
    units: latentSeriesOf(usage, (u) => u.usage_units),
    users: withUsers ? latentSeriesOf(usage, (u) => u.active_users as number) : null,
  };
  latentUsageCache.set(usage, out);
  return out;
}

function latentSeriesOf(usage: readonly RenewalUsage[], value: (u: RenewalUsage) => number): LatentSeries {
  const totals = new Map<string, Map<number, number>>();
  let firstMonth = Infinity;
  let lastMonth = -Infinity;
  for (const u of usage) {
    const k = monthIndex(u.month);
    firstMonth = Math.min(firstMonth, k);
    lastMonth = Math.max(lastMonth, k);
    let m = totals.get(u.account_id);
    if (!m) totals.set(u.account_id, (m = new Map()));
    m.set(k, (m.get(k) ?? 0) + value(u));
  }
  const series = new Map<string, number[]>();
  for (const [account, m] of totals) {
    const y = new Array<number>(lastMonth - firstMonth + 1).fill(NaN);
    for (const [k, v] of m) if (v > 0) y[k - firstMonth] = Math.log(v);
    series.set(account, y);
  }
  const all = [...series.values()];
  const every = Math.max(1, Math.ceil(all.length / USAGE_DYNAMICS_MAX_ACCOUNTS));
  const sample = all.filter((_, i) => i % every === 0);
  return { dynamics: sample.length > 0 ? fitUsageDynamics(sample) : null, series, firstMonth };
}

export function latentTrendOf(latent: LatentSeries | null, accountId: string, ref: number): number | null {
  const y = latent?.series.get(accountId);
  if (!latent || !y || !latent.dynamics) return null;
  const last = ref - 1 - latent.firstMonth;
  if (last < 0) return null;
  return latentTrend(y, latent.dynamics, last, USAGE_TREND_MONTHS);
}
