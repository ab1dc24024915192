/**
 * Time to value (issue 17, part 3): per segment, how many days pass from a
 * customer's first contract to the first month its usage shows active users.
 */
import { median } from 'simple-statistics';
import type { AccountRow, ContractRow, UsageRow } from '../../contracts/rows';
import { DAY_MS, toMs } from '../../lib/dates';
import { financeWindow } from './window';

export type TtvContract = Pick<ContractRow, 'contract_id' | 'account_id' | 'start_date' | 'status'>;
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
  /**
   * The same over first contracts whose renewal is decided (status renewed,
   * or churned/expired): whether slow starts renew less, as the renewal model
   * may read it. Active contracts are undecided and left out.
   */
  byRenewal: { renewed: SegmentTimeToValue; notRenewed: SegmentTimeToValue };
}

/** What one first contract's usage says. */
type Outcome = { kind: 'noUsage' | 'beforeUsage' | 'pending' } | { kind: 'valued'; days: number };

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
 * first month as beforeUsage, outside it too. `byRenewal` splits the decided
 * first contracts by whether they renewed.
 * @example
 * timeToValue([{ contract_id: 'C1', account_id: 'A', start_date: '2026-01-20', status: 'active' }], [{ account_id: 'A', segment: 'smb' }],
 *   [{ account_id: 'A', month: '2026-03', active_users: 4 }], '2026-10').overall
 * // { segment: 'all', contracts: 1, valued: 1, medianDays: 40, pending: 0, noUsage: 0, beforeUsage: 0 }
 */
export function timeToValue(contracts: readonly TtvContract[], accounts: readonly TtvAccount[], usage: readonly TtvUsage[], month: string): TimeToValue {
  const { asOf } = financeWindow(month);
  const segmentOf = new Map(accounts.map((a) => [a.account_id, a.segment as string]));
  const { monthsOf, coverageFrom } = usageMonths(usage, month);
  const bySegment = new Map<string, Outcome[]>();
  const all: Outcome[] = [];
  const renewed: Outcome[] = [];
  const notRenewed: Outcome[] = [];
  for (const c of firstContracts(contracts, asOf)) {
    const outcome = outcomeOf(c, monthsOf.get(c.account_id), coverageFrom);
    const segment = segmentOf.get(c.account_id) ?? 'unknown';
    const list = bySegment.get(segment);
    if (list) list.push(outcome);
    else bySegment.set(segment, [outcome]);
    all.push(outcome);
    if (c.status === 'renewed') renewed.push(outcome);
    else if (c.status === 'churned' || c.status === 'expired') notRenewed.push(outcome);
  }
  return {
    overall: tallyOf('all', all),
    segments: [...bySegment].sort(([a], [b]) => (a < b ? -1 : 1)).map(([segment, outcomes]) => tallyOf(segment, outcomes)),
    byRenewal: { renewed: tallyOf('renewed', renewed), notRenewed: tallyOf('not_renewed', notRenewed) },
  };
}

/** Each account's first contract started before `asOf` (earliest start, then smallest id). */
function firstContracts(contracts: readonly TtvContract[], asOf: string): TtvContract[] {
  const first = new Map<string, TtvContract>();
  for (const c of contracts) {
    if (c.start_date >= asOf) continue;
    const known = first.get(c.account_id);
    if (!known || c.start_date < known.start_date || (c.start_date === known.start_date && c.contract_id < known.contract_id)) first.set(c.account_id, c);
  }
  return [...first.values()];
}

/** Per account, its usage months up to `month` with whether users were active, and the first month the file covers. */
function usageMonths(usage: readonly TtvUsage[], month: string) {
  const monthsOf = new Map<string, { month: string; active: boolean }[]>();
  let coverageFrom: string | null = null;
  for (const u of usage) {
    if (u.month > month) continue;
    if (coverageFrom === null || u.month < coverageFrom) coverageFrom = u.month;
    const entry = { month: u.month, active: u.active_users > 0 };
    const list = monthsOf.get(u.account_id);
    if (list) list.push(entry);
    else monthsOf.set(u.account_id, [entry]);
  }
  return { monthsOf, coverageFrom };
}

function outcomeOf(c: TtvContract, months: { month: string; active: boolean }[] | undefined, coverageFrom: string | null): Outcome {
  if (!months || coverageFrom === null) return { kind: 'noUsage' };
  const startMonth = c.start_date.slice(0, 7);
  if (startMonth < coverageFrom) return { kind: 'beforeUsage' };
  let firstActive: string | null = null;
  for (const m of months) if (m.active && m.month >= startMonth && (firstActive === null || m.month < firstActive)) firstActive = m.month;
  if (firstActive === null) return { kind: 'pending' };
  return { kind: 'valued', days: Math.max(0, (toMs(`${firstActive}-01`) - toMs(c.start_date)) / DAY_MS) };
}

function tallyOf(segment: string, outcomes: readonly Outcome[]): SegmentTimeToValue {
  const count = (kind: Outcome['kind']) => outcomes.filter((o) => o.kind === kind).length;
  const days = outcomes.flatMap((o) => (o.kind === 'valued' ? [o.days] : []));
  const pending = count('pending');
  return {
    segment, contracts: days.length + pending, valued: days.length, medianDays: days.length > 0 ? median(days) : null,
    pending, noUsage: count('noUsage'), beforeUsage: count('beforeUsage'),
  };
}
