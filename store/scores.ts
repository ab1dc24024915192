import type { Kysely } from 'kysely';
import type { Database } from '../sql/database';

/**
 * What the score stage stores for a run: contract scores, KPIs, forecasts and
 * the budget, all loaded by COPY in one transaction (activities/score.ts);
 * the reads the stages after it take.
 */

/** Whether the run's score stage has stored its outputs (a retry then stores nothing). */
export async function runIsScored(db: Kysely<Database>, runId: string): Promise<boolean> {
  return (await db.selectFrom('kpis').select('run_id').where('run_id', '=', runId).limit(1).executeTakeFirst()) !== undefined;
}

/** The budget the run recommends, per channel: current and recommended monthly spend. */
export async function budgetOfRun(db: Kysely<Database>, runId: string): Promise<{ channel: string; current: number; recommended: number }[]> {
  return db.selectFrom('budget_recommendations').select(['channel', 'current', 'recommended']).where('run_id', '=', runId).orderBy('channel').execute();
}
