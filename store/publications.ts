import type { Kysely } from 'kysely';
import type { Database } from '../sql/database';

/** What a run's publish did (aliases promoted or kept, the tables that now apply, who signed off), once per run. */
export async function publicationOf(db: Kysely<Database>, runId: string): Promise<Record<string, any> | undefined> {
  return (await db.selectFrom('publications').select('outputs').where('run_id', '=', runId).executeTakeFirst())?.outputs;
}

export async function insertPublication(db: Kysely<Database>, runId: string, outputs: Record<string, unknown>): Promise<void> {
  await db.insertInto('publications').values({ run_id: runId, outputs: JSON.stringify(outputs) }).execute();
}
