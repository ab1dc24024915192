/**
 * The MQL hand-off judged on what happened next: do the accounts over the
 * MQL threshold at a cut open opportunities in the months after it more
 * often than the others? The check is a lift of at least 3 over
 * three months. Pure: scores and rows in, counts out.
 */
import { shiftMonths } from '../../lib/dates';

/** The columns of an opportunity the lift reads; `created_at` starts with a `YYYY-MM-DD` date. */
export interface LiftOpportunity {
  account_id: string;
  created_at: string;
}

export interface MqlLift {
  /** Accounts known at the cut with a score at or over the threshold. */
  mqlAccounts: number;
  /** The other accounts known at the cut (no score counts as 0). */
  others: number;
  /** Share of the MQL accounts that created an opportunity in [cut, cut + months). */
  mqlRate: number;
  otherRate: number;
  /** mqlRate / otherRate: NaN when a group is empty or neither opened any, Infinity when only the MQL accounts did. */
  lift: number;
}

/**
 * The opportunity rates of the accounts over the MQL threshold at `cut` and
 * of the others, over the `months` after it.
 *
 * `scores` are the engagement scores known at the cut (account_id → score,
 * e.g. engagementScores(touches, policy, dayBefore(cut)).accounts: the end of
 * the day before the cut), `accounts` the ids known at the cut (an account
 * created later cannot be judged on a window it was not in); an account
 * without a score counts 0. An account opened an opportunity when one of its
 * opportunities was created on a day in [cut, shiftMonths(cut, months)).
 *
 * @example
 * mqlLift(new Map([['A', 4], ['B', 1]]), 3, ['A', 'B', 'C', 'D'],
 *   [{ account_id: 'A', created_at: '2026-05-10' }, { account_id: 'B', created_at: '2026-06-01' }], '2026-05-01');
 * // { mqlAccounts: 1, others: 3, mqlRate: 1, otherRate: 1 / 3, lift: 3 }
 */
export function mqlLift(
  scores: ReadonlyMap<string, number>, threshold: number, accounts: Iterable<string>,
  opportunities: Iterable<LiftOpportunity>, cut: string, months = 3,
): MqlLift {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(cut)) throw new RangeError(`mqlLift: the cut must be YYYY-MM-DD, got ${JSON.stringify(cut)}`);
  if (!Number.isInteger(months) || months < 1) throw new RangeError(`mqlLift: months must be a positive integer, got ${months}`);
  const end = shiftMonths(cut, months);
  const opened = new Set<string>();
  for (const o of opportunities) {
    const day = o.created_at.slice(0, 10);
    if (day >= cut && day < end) opened.add(o.account_id);
  }
  let mqlAccounts = 0, mqlOpened = 0, others = 0, othersOpened = 0;
  for (const id of new Set(accounts)) {
    if ((scores.get(id) ?? 0) >= threshold) {
      mqlAccounts++;
      if (opened.has(id)) mqlOpened++;
    } else {
      others++;
      if (opened.has(id)) othersOpened++;
    }
  }
  const mqlRate = mqlAccounts ? mqlOpened / mqlAccounts : NaN;
  const otherRate = others ? othersOpened / others : NaN;
  return { mqlAccounts, others, mqlRate, otherRate, lift: mqlRate / otherRate };
}
