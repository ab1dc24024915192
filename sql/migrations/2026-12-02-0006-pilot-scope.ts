import { Kysely } from 'kysely';

/**
 * Pilot runs (issue 17, part 6): `runs.scope` is the subset of the drop a
 * pilot works on (`{ region?, segment?, campaigns? }`), null for an
 * organisation-wide run (every run before this). Written once when the run
 * registers, like the rest of the row. Frozen in time: it never imports app code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').addColumn('scope', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').dropColumn('scope').execute();
}
