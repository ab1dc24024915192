import type { Kysely } from 'kysely';
import type { Database } from '../sql/database';

/** The budget a run recommends, per channel: current and recommended monthly spend. The score stage writes it (COPY). */
export async function budgetOfRun(db: Kysely<Database>, runId: string): Promise<{ channel: string; current: number; recommended: number }[]> {
  return db.selectFrom('budget_recommendations').select(['channel', 'current', 'recommended']).where('run_id', '=', runId).orderBy('channel').execute();
}
