import { Kysely, sql } from 'kysely';

/**
 * The registry's holes (issue 12). Frozen in time: it never imports app code.
 *
 * - an alias can be cleared: a move to no version (a rejected or expired
 *   run's challenger), still an event with who, from what and why;
 * - a reviewer's approval can ask that a run older than the champion's
 *   (a backfilled month) become champion all the same.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table model_alias_events alter column model_version_id drop not null`.execute(db);
  await sql`alter table approval_decisions add column promote_older boolean not null default false`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table approval_decisions drop column promote_older`.execute(db);
  // Cleared aliases cannot be deleted (the table is append-only): going down needs a table without them.
  await sql`alter table model_alias_events alter column model_version_id set not null`.execute(db);
}
