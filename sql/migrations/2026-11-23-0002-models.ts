import { Kysely, sql } from 'kysely';

/**
 * The models issue's outputs. Frozen in time: it never imports app code.
 *
 * - attribution gains `revenue` ('new' first contracts, 'expansion' renewal
 *   uplift), credited separately, and the Markov removal effects;
 * - incrementality: what each channel's spend caused (media-mix model) with
 *   its interval, ROI and marginal ROI, beside the ACV attribution credits;
 * - survival curves (Kaplan-Meier by segment, with bands);
 * - forecast totals per scenario and horizon (intervals of a sum are not
 *   sums of monthly intervals, so they are stored, not derived);
 * - contract scores gain the next renewal date and the expected expansion;
 * - the optional experiments.csv (lift tests) as a validated source;
 * - raw records as `json`, not `jsonb`: the raw layer keeps records as read and
 *   is never queried inside, and Postgres parsing 2.5M records into jsonb was
 *   a quarter of ingest's time at 100k accounts (10.9 s -> 8.3 s).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table raw_rows alter column record type json`.execute(db);

  await db.schema.createTable('src_experiments')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('start', 'text', (c) => c.notNull())
    .addColumn('end', 'text', (c) => c.notNull())
    .addColumn('incremental_acv', 'double precision', (c) => c.notNull())
    .addColumn('stderr', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('src_experiments_pk', ['batch_id', 'line'])
    .execute();

  await db.schema.alterTable('attribution')
    .addColumn('revenue', 'text', (c) => c.notNull().defaultTo('new').check(sql`revenue in ('new','expansion')`))
    .execute();
  await db.schema.alterTable('attribution').dropConstraint('attribution_pk').execute();
  await db.schema.alterTable('attribution')
    .addPrimaryKeyConstraint('attribution_pk', ['run_id', 'revenue', 'model', 'dimension', 'key'])
    .execute();

  await db.schema.createTable('attribution_removal_effects')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('model_version_id', 'text', (c) => c.notNull())
    .addColumn('revenue', 'text', (c) => c.notNull().check(sql`revenue in ('new','expansion')`))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('removal_effect', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('attribution_removal_effects_pk', ['run_id', 'revenue', 'channel'])
    .execute();

  await db.schema.createTable('incrementality')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('model_version_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('spend_usd', 'double precision', (c) => c.notNull())
    .addColumn('incremental_acv', 'double precision', (c) => c.notNull())
    .addColumn('low', 'double precision', (c) => c.notNull())
    .addColumn('high', 'double precision', (c) => c.notNull())
    .addColumn('interval', 'double precision', (c) => c.notNull())
    .addColumn('roi', 'double precision')
    .addColumn('mroi', 'double precision')
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('incrementality_pk', ['run_id', 'channel'])
    .execute();

  await db.schema.createTable('survival_curves')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('model_version_id', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('t_months', 'double precision', (c) => c.notNull())
    .addColumn('survival', 'double precision', (c) => c.notNull())
    .addColumn('lo95', 'double precision')
    .addColumn('hi95', 'double precision')
    .addColumn('at_risk', 'integer', (c) => c.notNull())
    .addColumn('events', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('survival_curves_pk', ['run_id', 'group_key', 't_months'])
    .execute();

  await db.schema.createTable('forecast_totals')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('model_version_id', 'text', (c) => c.notNull())
    .addColumn('scenario', 'text', (c) => c.notNull())
    .addColumn('horizon_months', 'integer', (c) => c.notNull())
    .addColumn('spend_usd', 'double precision', (c) => c.notNull())
    .addColumn('mean', 'double precision', (c) => c.notNull())
    .addColumn('lo80', 'double precision', (c) => c.notNull())
    .addColumn('hi80', 'double precision', (c) => c.notNull())
    .addColumn('lo95', 'double precision', (c) => c.notNull())
    .addColumn('hi95', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('forecast_totals_pk', ['run_id', 'scenario', 'horizon_months'])
    .execute();

  await db.schema.alterTable('contract_scores')
    .addColumn('next_renewal_date', 'date')
    .execute();
  await db.schema.alterTable('contract_scores')
    .addColumn('expected_expansion', 'double precision')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table raw_rows alter column record type jsonb`.execute(db);
  await db.schema.alterTable('contract_scores').dropColumn('expected_expansion').execute();
  await db.schema.alterTable('contract_scores').dropColumn('next_renewal_date').execute();
  await db.schema.dropTable('forecast_totals').execute();
  await db.schema.dropTable('survival_curves').execute();
  await db.schema.dropTable('incrementality').execute();
  await db.schema.dropTable('attribution_removal_effects').execute();
  await db.schema.dropTable('src_experiments').execute();
  await db.schema.alterTable('attribution').dropConstraint('attribution_pk').execute();
  await db.schema.alterTable('attribution').dropColumn('revenue').execute();
  await db.schema.alterTable('attribution').addPrimaryKeyConstraint('attribution_pk', ['run_id', 'model', 'dimension', 'key']).execute();
}
