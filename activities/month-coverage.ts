import { ApplicationFailure } from '@temporalio/common';
import { monthNotCoveredReason } from '../contracts/month-coverage';
import type { ActivityDeps } from './context';
import { lastMonthsOfBatch } from '../store/sources';

/**
 * The validate stage's side of the month check (contracts/month-coverage.ts):
 * a run of a month its validated batch does not cover fails at once.
 */

/** The failure the validate stage raises: the drop will not cover the month on a retry either. */
function monthNotCovered(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'MonthNotCovered', message, nonRetryable: true });
}

/** The validate stage's check: a month the validated batch does not cover fails the run at once. */
export async function refuseUncoveredMonth(deps: ActivityDeps, month: string, batchId: string): Promise<void> {
  const why = monthNotCoveredReason(month, await lastMonthsOfBatch(deps.db, batchId));
  if (why) throw monthNotCovered(why);
}
