import type { Insertable, Kysely } from 'kysely';
import type { Database, DriftFeaturesTable, DriftSourcesTable } from '../sql/database';

/** A run's drift against its reference: per feature, and per source with its row-count check. Written once per run. */

/** Whether the run's drift is on record already (a retry then stores nothing). */
export async function runHasDrift(db: Kysely<Database>, runId: string): Promise<boolean> {
  return (await db.selectFrom('drift_sources').select('run_id').where('run_id', '=', runId).limit(1).executeTakeFirst()) !== undefined;
}

export async function insertDrift(db: Kysely<Database>, features: readonly Insertable<DriftFeaturesTable>[], sources: readonly Insertable<DriftSourcesTable>[]): Promise<void> {
  if (features.length) await db.insertInto('drift_features').values([...features]).execute();
  if (sources.length) await db.insertInto('drift_sources').values([...sources]).execute();
}
