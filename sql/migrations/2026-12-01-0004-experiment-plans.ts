import { Kysely, sql } from 'kysely';

/**
 * The next lift tests proposed for a run (issue 13): one row per channel,
 * keyed by run, written once (`acvloop experiments plan`) from the run's
 * stored outputs and never changed. The whole proposal is in `plan`; the
 * columns a query filters or sorts on sit beside it. Frozen in time: it
 * never imports app code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('experiment_plans')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.run_id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('design', 'text', (c) => c.notNull())
    .addColumn('holdout_share', 'double precision', (c) => c.notNull())
    .addColumn('months', 'integer', (c) => c.notNull())
    .addColumn('minimum_detectable_lift', 'double precision', (c) => c.notNull())
    .addColumn('value_of_information', 'double precision', (c) => c.notNull())
    .addColumn('plan', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('experiment_plans_pk', ['run_id', 'channel'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('experiment_plans').execute();
}
