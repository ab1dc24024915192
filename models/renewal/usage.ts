/** An account's usage before a decision: the ratio of two three-month sums, the log slope, or the filtered trend (the three measures models were fitted with). */
import { linearRegression } from 'simple-statistics';
import { monthIndex } from '../../lib/dates';
import { fitUsageDynamics, latentTrend, type UsageDynamics } from '../usage-trend';
import type { RenewalUsage } from './types';

/**
 * A usage table read once for every feature of every contract: each
 * account's monthly totals as compact columns (an account's months in one
 * run, in month order), not a map per account. Built by usageIndexOf; the
 * filter's dynamics are fitted the first time a latent trend is asked for,
 * so a model that reads no latent trend never pays for the fit.
 */
export interface UsageIndex {
  /** Each account's slot, in the order the account first appears in the usage rows (the order the dynamics sample in). */
  slot: Map<string, number>;
  /** The months of slot s are entries start[s] .. start[s + 1] − 1. */
  start: Int32Array;
  /** Month index of each entry (lib/dates monthIndex), increasing within a slot. */
  month: Int32Array;
  /** usage_units summed over the rows of the entry's account and month. */
  units: Float64Array;
  /** active_users summed likewise; null when not every row carries them. */
  users: Float64Array | null;
  /** The first and last month of the whole table: the span of every account's filtered series. */
  firstMonth: number;
  lastMonth: number;
  /** The fitted dynamics of each column, once asked for (null: no usage to fit). */
  dynamics: { units?: UsageDynamics | null; users?: UsageDynamics | null };
}

const indexCache = new WeakMap<readonly RenewalUsage[], UsageIndex>();

/**
 * The index of a usage table, built once per table: renewalDecisions and
 * activeContracts given the same rows share one, as they do when given the
 * index itself.
 *
 * @example
 * const index = usageIndexOf(usage);
 * renewalDecisions(contracts, accounts, index, asOf); activeContracts(contracts, accounts, index, asOf);
 */
export function usageIndexOf(usage: readonly RenewalUsage[] | UsageIndex): UsageIndex {
  if (!Array.isArray(usage)) return usage as UsageIndex;
  const rows = usage as readonly RenewalUsage[];
  const cached = indexCache.get(rows);
  if (cached) return cached;
  const built = buildUsageIndex(rows);
  indexCache.set(rows, built);
  return built;
}

/**
 * What an index of part of a usage table must share with the index of the
 * whole for every measure to come out the same: the table's span (each
 * account's filtered series starts at its first month), whether every row
 * carries active users, and the filter's fitted dynamics. A shard of the
 * scoring stage reads its accounts' rows only and takes the frame the whole
 * table gave (activities/score-shards.ts).
 */
export interface UsageFrame {
  firstMonth: number;
  lastMonth: number;
  withUsers: boolean;
  dynamics: { units?: UsageDynamics | null; users?: UsageDynamics | null };
}

/**
 * The index of some accounts' usage rows within the frame of the whole
 * table: its measures of those accounts equal the whole table's.
 * Refuses rows outside the frame's span, or without the active users it says
 * every row carries.
 */
export function usageIndexInFrame(usage: readonly RenewalUsage[], frame: UsageFrame): UsageIndex {
  const index = buildUsageIndex(usage, frame.withUsers);
  if (index.slot.size > 0 && (index.firstMonth < frame.firstMonth || index.lastMonth > frame.lastMonth)) {
    throw new Error('usageIndexInFrame: usage rows outside the frame\'s months');
  }
  if (frame.withUsers && usage.length > 0 && index.users === null) throw new Error('usageIndexInFrame: the frame reads active users, and a row has none');
  return { ...index, firstMonth: frame.firstMonth, lastMonth: frame.lastMonth, dynamics: { ...frame.dynamics } };
}

function buildUsageIndex(usage: readonly RenewalUsage[], readUsers = true): UsageIndex {
  const n = usage.length;
  const slot = new Map<string, number>();
  const slotOfRow = new Int32Array(n);
  const monthOfRow = new Int32Array(n);
  const counts: number[] = [];
  let firstMonth = Infinity;
  let lastMonth = -Infinity;
  for (let i = 0; i < n; i++) {
    const u = usage[i];
    let s = slot.get(u.account_id);
    if (s === undefined) {
      slot.set(u.account_id, (s = counts.length));
      counts.push(0);
    }
    counts[s]++;
    slotOfRow[i] = s;
    const k = monthIndex(u.month);
    monthOfRow[i] = k;
    if (k < firstMonth) firstMonth = k;
    if (k > lastMonth) lastMonth = k;
  }
  // Rows grouped by account in row order, then each account's rows put in month order (stable, so a
  // month's repeated rows add up in row order, as they always did).
  const rowStart = new Int32Array(counts.length + 1);
  for (let s = 0; s < counts.length; s++) rowStart[s + 1] = rowStart[s] + counts[s];
  const fill = rowStart.slice(0, counts.length);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[slotOfRow[i]]++] = i;
  const withUsers = readUsers && n > 0 && usage.every((u) => typeof u.active_users === 'number');
  const start = new Int32Array(counts.length + 1);
  const month = new Int32Array(n);
  const units = new Float64Array(n);
  const users = withUsers ? new Float64Array(n) : null;
  let e = 0;
  for (let s = 0; s < counts.length; s++) {
    start[s] = e;
    const rowsOf = Array.from(order.subarray(rowStart[s], rowStart[s + 1])).sort((a, b) => monthOfRow[a] - monthOfRow[b]);
    for (let j = 0; j < rowsOf.length; j++) {
      const u = usage[rowsOf[j]];
      const k = monthOfRow[rowsOf[j]];
      if (j === 0 || month[e - 1] !== k) {
        month[e] = k;
        units[e] = 0 + u.usage_units;
        if (users) users[e] = 0 + (u.active_users as number);
        e++;
      } else {
        units[e - 1] += u.usage_units;
        if (users) users[e - 1] += u.active_users as number;
      }
    }
  }
  start[counts.length] = e;
  return { slot, start, month: month.slice(0, e), units: units.slice(0, e), users: users ? users.slice(0, e) : null, firstMonth, lastMonth, dynamics: {} };
}

/**
 * One account's totals of a column by month from the table's first month, in
 * `out` (NaN: no row that month); `out` is reused from account to account.
 */
export function denseUsage(index: UsageIndex, slot: number, column: Float64Array, out: Float64Array): Float64Array {
  out.fill(NaN);
  for (let e = index.start[slot]; e < index.start[slot + 1]; e++) out[index.month[e] - index.firstMonth] = column[e];
  return out;
}

/** Log of each month's total, NaN where there is none or it is not positive: the series the filter reads. */
export function logUsage(totals: Float64Array, out: Float64Array): Float64Array {
  for (let i = 0; i < totals.length; i++) {
    const v = totals[i];
    out[i] = v > 0 ? Math.log(v) : NaN;
  }
  return out;
}

/** The table's span in months (0 when it has no rows). */
export const spanOf = (index: UsageIndex): number => (index.slot.size === 0 ? 0 : index.lastMonth - index.firstMonth + 1);

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
  const units = unitsOfAccount(usageIndexOf(usage), accountId);
  return units && trendAt(units.totals, units.firstMonth, monthIndex(refMonth));
}

function unitsOfAccount(index: UsageIndex, accountId: string): { totals: Float64Array; firstMonth: number } | null {
  const s = index.slot.get(accountId);
  if (s === undefined) return null;
  return { totals: denseUsage(index, s, index.units, new Float64Array(spanOf(index))), firstMonth: index.firstMonth };
}

/** A month's total in an account's dense totals (undefined: no row that month, or outside the table). */
const totalAt = (totals: Float64Array, firstMonth: number, k: number): number | undefined => {
  const v = totals[k - firstMonth];
  return v === undefined || Number.isNaN(v) ? undefined : v;
};

/** usageTrend of one account's dense totals (denseUsage) at month index `ref`. */
export function trendAt(totals: Float64Array, firstMonth: number, ref: number): number | null {
  let recent = 0;
  let earlier = 0;
  let nRecent = 0;
  let nEarlier = 0;
  for (let k = 1; k <= 3; k++) {
    const r = totalAt(totals, firstMonth, ref - k);
    if (r !== undefined) {
      recent += r;
      nRecent++;
    }
    const e = totalAt(totals, firstMonth, ref - 3 - k);
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
  const units = unitsOfAccount(usageIndexOf(usage), accountId);
  return units && slopeAt(units.totals, units.firstMonth, monthIndex(refMonth));
}

/** usageSlope of one account's dense totals (denseUsage) at month index `ref`. */
export function slopeAt(totals: Float64Array, firstMonth: number, ref: number): number | null {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 1; k <= USAGE_SLOPE_MONTHS; k++) {
    const u = totalAt(totals, firstMonth, ref - k);
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

/**
 * The dynamics of a column (usage units, or active users when every row
 * carries them), fitted by maximum likelihood on an even sample of the
 * accounts once per index and kept in it; null when the column is absent or
 * the table empty. Both go to the model: which of them carries the trend a
 * customer's renewal follows (seats in use, or consumption) depends on the
 * product, and the logistic weighs them.
 */
export function usageDynamicsOf(index: UsageIndex, column: 'units' | 'users'): UsageDynamics | null {
  const known = index.dynamics[column];
  if (known !== undefined) return known;
  const values = index[column];
  let fitted: UsageDynamics | null = null;
  if (values && index.slot.size > 0) {
    const every = Math.max(1, Math.ceil(index.slot.size / USAGE_DYNAMICS_MAX_ACCOUNTS));
    const span = spanOf(index);
    const scratch = new Float64Array(span);
    const sample: Float64Array[] = [];
    for (let s = 0; s < index.slot.size; s += every) sample.push(logUsage(denseUsage(index, s, values, scratch), new Float64Array(span)));
    fitted = fitUsageDynamics(sample);
  }
  index.dynamics[column] = fitted;
  return fitted;
}

/**
 * The filtered trend (models/usage-trend.ts latentTrend over USAGE_TREND_MONTHS)
 * of one account's log series (logUsage of denseUsage) before month index `ref`;
 * null when the account has no usage before it.
 */
export function latentTrendAt(logSeries: Float64Array, firstMonth: number, dynamics: UsageDynamics, ref: number): number | null {
  const last = ref - 1 - firstMonth;
  if (last < 0) return null;
  return latentTrend(logSeries, dynamics, last, USAGE_TREND_MONTHS);
}
