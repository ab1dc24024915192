import { Kysely, sql } from 'kysely';

/**
 * The accounts to pursue (issue 16), versioned by run. `account_scores`: one
 * row per account (or per family under its top parent, when the run's config
 * scores families), its win and expansion propensities and expected ACVs, its
 * engagement and MQL state under the attribution agreement, its rank, tier
 * and top drivers. `account_score_runs`: what the run's scoring shares (the
 * serving version, the level, the tier cuts, the agreement's version) and
 * the KPIs by tier, written in the same transaction as the rows, so a retried
 * activity finds it and writes nothing twice. Frozen in time: it never
 * imports app code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('account_score_runs')
    .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.run_id'))
    .addColumn('model_version_id', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('account', 'family')`))
    .addColumn('as_of', 'date', (c) => c.notNull())
    .addColumn('accounts', 'integer', (c) => c.notNull())
    .addColumn('summary', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createTable('account_scores')
    .addColumn('run_id', 'text', (c) => c.notNull().references('account_score_runs.run_id'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('tier', 'smallint', (c) => c.notNull().check(sql`tier in (1, 2, 3)`))
    .addColumn('win_propensity', 'double precision', (c) => c.notNull())
    .addColumn('expected_new_acv', 'double precision', (c) => c.notNull())
    .addColumn('expansion_propensity', 'double precision')
    .addColumn('expected_expansion_acv', 'double precision', (c) => c.notNull())
    .addColumn('engagement_score', 'double precision', (c) => c.notNull())
    .addColumn('mql', 'boolean', (c) => c.notNull())
    .addColumn('mql_at', 'date')
    .addColumn('mql_crossed_this_month', 'boolean', (c) => c.notNull())
    .addColumn('handoff', 'text')
    .addColumn('drivers', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_scores_pk', ['run_id', 'account_id'])
    .execute();
  await db.schema.createIndex('account_scores_rank').on('account_scores').columns(['run_id', 'rank']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('account_scores').execute();
  await db.schema.dropTable('account_score_runs').execute();
}
