import { ApplicationFailure } from '@temporalio/common';
import { monthNotCoveredReason, type LastMonths } from '../contracts/month-coverage';
import type { ActivityDeps } from './context';

/**
 * The validate stage's side of the month check (contracts/month-coverage.ts):
 * a run of a month its validated batch does not cover fails at once.
 */

/** The failure the validate stage raises: the drop will not cover the month on a retry either. */
function monthNotCovered(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'MonthNotCovered', message, nonRetryable: true });
}

/** The last months of a validated batch: what the models of the run will read. */
async function lastMonthsOfBatch(deps: ActivityDeps, batchId: string): Promise<LastMonths> {
  const q = (text: string) => deps.db.pool.query<{ last: string | null }>(text, [batchId]).then((r) => r.rows[0]?.last ?? null);
  return {
    spend: await q('select max(month) as last from src_spend where batch_id = $1'),
    opportunities: await q(`select to_char(max(created_at), 'YYYY-MM') as last from src_opportunities where batch_id = $1`),
  };
}

/** The validate stage's check: a month the validated batch does not cover fails the run at once. */
export async function refuseUncoveredMonth(deps: ActivityDeps, month: string, batchId: string): Promise<void> {
  const why = monthNotCoveredReason(month, await lastMonthsOfBatch(deps, batchId));
  if (why) throw monthNotCovered(why);
}
