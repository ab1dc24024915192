import { Kysely, sql } from 'kysely';

/**
 * Contract finance by run (issue 17, parts 1-3). `finance_runs`: the run's
 * realized-against-contracted figures over the twelve months ending with its
 * month (billed, collected, DSO, overdue, expected and billed to date of the
 * active contracts), written with the rows below in one transaction so a
 * retried activity finds it and writes nothing twice. `finance_leakage`: the
 * active contracts billed furthest behind what they earned.
 * `finance_channel_margins`: the gross margin of active contracts by the
 * originating lead source, and per dollar of its channel's spend.
 * `finance_time_to_value`: days from a first contract's start to active
 * usage, by segment. Frozen in time: it never imports app code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('finance_runs')
    .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.run_id'))
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('as_of', 'date', (c) => c.notNull())
    .addColumn('overdue_days', 'integer', (c) => c.notNull())
    .addColumn('invoices', 'integer', (c) => c.notNull())
    .addColumn('billed', 'double precision', (c) => c.notNull())
    .addColumn('collected', 'double precision', (c) => c.notNull())
    .addColumn('dso_days', 'double precision')
    .addColumn('overdue_count', 'integer', (c) => c.notNull())
    .addColumn('overdue_amount', 'double precision', (c) => c.notNull())
    .addColumn('expected_to_date', 'double precision', (c) => c.notNull())
    .addColumn('billed_to_date', 'double precision', (c) => c.notNull())
    .addColumn('leakage', 'double precision', (c) => c.notNull())
    .addColumn('summary', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createTable('finance_leakage')
    .addColumn('run_id', 'text', (c) => c.notNull().references('finance_runs.run_id'))
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('contract_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('elapsed', 'double precision', (c) => c.notNull())
    .addColumn('expected', 'double precision', (c) => c.notNull())
    .addColumn('billed', 'double precision', (c) => c.notNull())
    .addColumn('gap', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('finance_leakage_pk', ['run_id', 'contract_id'])
    .execute();
  await db.schema.createTable('finance_channel_margins')
    .addColumn('run_id', 'text', (c) => c.notNull().references('finance_runs.run_id'))
    .addColumn('lead_source', 'text', (c) => c.notNull())
    .addColumn('channel', 'text')
    .addColumn('contracts', 'integer', (c) => c.notNull())
    .addColumn('acv', 'double precision', (c) => c.notNull())
    .addColumn('cost_to_serve', 'double precision', (c) => c.notNull())
    .addColumn('gross_margin', 'double precision', (c) => c.notNull())
    .addColumn('spend', 'double precision')
    .addColumn('margin_per_dollar', 'double precision')
    .addPrimaryKeyConstraint('finance_channel_margins_pk', ['run_id', 'lead_source'])
    .execute();
  await db.schema.createTable('finance_time_to_value')
    .addColumn('run_id', 'text', (c) => c.notNull().references('finance_runs.run_id'))
    .addColumn('segment', 'text', (c) => c.notNull())
    .addColumn('contracts', 'integer', (c) => c.notNull())
    .addColumn('valued', 'integer', (c) => c.notNull())
    .addColumn('median_days', 'double precision')
    .addColumn('pending', 'integer', (c) => c.notNull())
    .addColumn('no_usage', 'integer', (c) => c.notNull())
    .addColumn('before_usage', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('finance_time_to_value_pk', ['run_id', 'segment'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('finance_time_to_value').execute();
  await db.schema.dropTable('finance_channel_margins').execute();
  await db.schema.dropTable('finance_leakage').execute();
  await db.schema.dropTable('finance_runs').execute();
}
