import { Kysely, sql } from 'kysely';

/**
 * Disputes (issue 4, section 9): a flagged misattribution of one opportunity
 * in one run, for the next review. Frozen in time: it never imports app code.
 *
 * Both tables are append-only (the database refuses UPDATE, DELETE and
 * TRUNCATE): a dispute is never edited, and resolving it adds a row to
 * `dispute_resolutions` (at most one per dispute) instead of changing a
 * status, so what was raised, with the credit the reviewer saw, stays as it
 * was. A dispute is open while it has no resolution.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create or replace function acvloop_disputes_append_only() returns trigger language plpgsql as $$
    begin raise exception '% is append-only: % is not allowed', tg_table_name, tg_op; end $$`.execute(db);

  await db.schema.createTable('disputes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.run_id'))
    .addColumn('opportunity_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`btrim(reason) <> ''`))
    .addColumn('raised_by', 'text', (c) => c.notNull().check(sql`btrim(raised_by) <> ''`))
    .addColumn('raised_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // The reported model, the policy version and the credit the opportunity got in the run under them.
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('policy_version', 'text', (c) => c.notNull())
    .addColumn('credit', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('disputes_run').on('disputes').column('run_id').execute();

  await db.schema.createTable('dispute_resolutions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('dispute_id', 'bigint', (c) => c.notNull().unique().references('disputes.id'))
    .addColumn('resolved_by', 'text', (c) => c.notNull().check(sql`btrim(resolved_by) <> ''`))
    .addColumn('note', 'text', (c) => c.notNull().check(sql`btrim(note) <> ''`))
    .addColumn('resolved_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  for (const t of ['disputes', 'dispute_resolutions']) {
    await sql`create trigger ${sql.id(`${t}_append_only`)} before update or delete on ${sql.table(t)}
      for each row execute function acvloop_disputes_append_only()`.execute(db);
    await sql`create trigger ${sql.id(`${t}_no_truncate`)} before truncate on ${sql.table(t)}
      for each statement execute function acvloop_disputes_append_only()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dispute_resolutions').ifExists().execute();
  await db.schema.dropTable('disputes').ifExists().execute();
  await sql`drop function if exists acvloop_disputes_append_only()`.execute(db);
}
