import type { Insertable, Kysely } from 'kysely';
import type { Database, ModelVersionsTable } from '../sql/database';

/**
 * The registry's model versions: written once by a run's retrain, one per
 * family, and never changed (the database refuses UPDATE and DELETE). Which
 * version an alias points at is store/model-registry.ts's.
 */
export type NewModelVersion = Insertable<ModelVersionsTable>;

/** Whether the run's retrain has stored its versions already (a retry then stores nothing). */
export async function runHasModelVersions(db: Kysely<Database>, runId: string): Promise<boolean> {
  return (await db.selectFrom('model_versions').select('run_id').where('run_id', '=', runId).limit(1).executeTakeFirst()) !== undefined;
}

export async function insertModelVersions(db: Kysely<Database>, versions: readonly NewModelVersion[]): Promise<void> {
  if (versions.length) await db.insertInto('model_versions').values([...versions]).execute();
}

/** The versions a run's retrain stored, by family. */
export async function modelVersionsOfRun(db: Kysely<Database>, runId: string): Promise<{ family: string; model_version_id: string }[]> {
  return db.selectFrom('model_versions').select(['family', 'model_version_id']).where('run_id', '=', runId).orderBy('family').execute();
}
