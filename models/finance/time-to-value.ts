/**
 * Time to value (issue 17, part 3): per segment, how many days pass from a
 * customer's first contract to the first month its usage shows active users.
 */
import type { AccountRow, ContractRow, UsageRow } from '../../contracts/rows';
import { DAY_MS, toMs } from '../../lib/dates';
import { financeWindow } from './window';

export type TtvContract = Pick<ContractRow, 'contract_id' | 'account_id' | 'start_date'>;
export type TtvAccount = Pick<AccountRow, 'account_id' | 'segment'>;
export type TtvUsage = Pick<UsageRow, 'account_id' | 'month' | 'active_users'>;

export interface SegmentTimeToValue {
  segment: string;
  /** First contracts whose account has usage rows: valued + pending. */
  contracts: number;
  /** Those with an active month, and the median days to it (null when none). */
  valued: number;
  medianDays: number | null;
  /** Those with usage rows but no active month by the run's month yet. */
  pending: number;
  /** First contracts whose account has no usage row at all: not counted (usage is not tracked for them), only reported. */
  noUsage: number;
  /**
   * First contracts started before the first month usage.csv covers (for any
   * account): their first active month is unknowable (the file would show the
   * coverage's start, not the customer's), so they are reported, not counted.
   */
  beforeUsage: number;
}

export interface TimeToValue {
  overall: SegmentTimeToValue;
  segments: SegmentTimeToValue[];
}

/** Median of a non-empty list. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Per segment (of the contract's account), over each account's first
 * contract started by the month end of `month`: days from its start to the
 * first day of the first month, from the start month on and up to `month`,
 * whose usage shows active_users > 0, clamped at 0 (users in the start month
 * = 0 days). Only the first contract: usage is per account, so a renewal or
 * a second product starts with users already active and would read 0 days
 * whatever its onboarding took. Usage months before the start (a trial or
 * pilot before signing) are not value from the contract and are skipped.
 * A contract whose account has usage rows but no active month yet is pending,
 * counted beside the median; one whose account has no usage rows at all is
 * counted as noUsage, outside the median; one started before usage.csv's
 * first month as beforeUsage, outside it too.
 * @example
 * timeToValue([{ contract_id: 'C1', account_id: 'A', start_date: '2026-01-20' }], [{ account_id: 'A', segment: 'smb' }],
 *   [{ account_id: 'A', month: '2026-03', active_users: 4 }], '2026-10').overall
 * // { segment: 'all', contracts: 1, valued: 1, medianDays: 40, pending: 0, noUsage: 0, beforeUsage: 0 }
 */
export function timeToValue(contracts: readonly TtvContract[], accounts: readonly TtvAccount[], usage: readonly TtvUsage[], month: string): TimeToValue {
  const { asOf } = financeWindow(month);
  const segmentOf = new Map(accounts.map((a) => [a.account_id, a.segment as string]));
  const first = new Map<string, TtvContract>();
  for (const c of contracts) {
    if (c.start_date >= asOf) continue;
    const known = first.get(c.account_id);
    if (!known || c.start_date < known.start_date || (c.start_date === known.start_date && c.contract_id < known.contract_id)) first.set(c.account_id, c);
  }
  const monthsOf = new Map<string, { month: string; active: boolean }[]>();
  let coverageFrom: string | null = null;
  for (const u of usage) {
    if (u.month > month) continue;
    if (coverageFrom === null || u.month < coverageFrom) coverageFrom = u.month;
    const list = monthsOf.get(u.account_id);
    const entry = { month: u.month, active: u.active_users > 0 };
    if (list) list.push(entry);
    else monthsOf.set(u.account_id, [entry]);
  }
  const days = new Map<string, number[]>();
  const tally = new Map<string, SegmentTimeToValue>();
  const lineOf = (segment: string) => {
    let line = tally.get(segment);
    if (!line) tally.set(segment, (line = { segment, contracts: 0, valued: 0, medianDays: null, pending: 0, noUsage: 0, beforeUsage: 0 }));
    return line;
  };
  for (const c of first.values()) {
    const segment = segmentOf.get(c.account_id) ?? 'unknown';
    const lines = [lineOf(segment), lineOf('all')];
    const months = monthsOf.get(c.account_id);
    if (!months) {
      for (const l of lines) l.noUsage++;
      continue;
    }
    const startMonth = c.start_date.slice(0, 7);
    if (startMonth < coverageFrom!) {
      for (const l of lines) l.beforeUsage++;
      continue;
    }
    const firstActive = months.filter((m) => m.active && m.month >= startMonth).reduce<string | null>((a, m) => (a === null || m.month < a ? m.month : a), null);
    for (const l of lines) {
      l.contracts++;
      if (firstActive === null) l.pending++;
      else l.valued++;
    }
    if (firstActive === null) continue;
    const d = Math.max(0, (toMs(`${firstActive}-01`) - toMs(c.start_date)) / DAY_MS);
    for (const key of [segment, 'all']) {
      const list = days.get(key);
      if (list) list.push(d);
      else days.set(key, [d]);
    }
  }
  for (const [key, line] of tally) {
    const ds = days.get(key);
    line.medianDays = ds && ds.length > 0 ? median(ds) : null;
  }
  const overall = tally.get('all') ?? { segment: 'all', contracts: 0, valued: 0, medianDays: null, pending: 0, noUsage: 0, beforeUsage: 0 };
  const segments = [...tally.values()].filter((l) => l !== overall).sort((a, b) => (a.segment < b.segment ? -1 : 1));
  return { overall, segments };
}
