import { Kysely, sql } from 'kysely';

/**
 * The score stage in shards (issue 15). `score_plans`: what every shard of a
 * run's scoring shares (the serving renewal model, the contract-wide
 * quantities, the usage frame), written once before the shards start.
 * `score_shards`: one row per shard whose contract scores are stored, in the
 * transaction that stores them, so a retried or duplicated shard writes
 * nothing twice. A shard reads its contracts' renewal chains down from their
 * first contracts (each renewal names its predecessor): the index on
 * (batch_id, previous_contract_id) makes each step a lookup instead of a
 * scan of the batch's contracts per contract. Frozen in time: it never
 * imports app code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('src_contracts_previous').on('src_contracts').columns(['batch_id', 'previous_contract_id']).execute();
  await db.schema.createTable('score_plans')
    .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.run_id'))
    .addColumn('shards', 'integer', (c) => c.notNull())
    .addColumn('model_version_id', 'text', (c) => c.notNull())
    .addColumn('plan', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createTable('score_shards')
    .addColumn('run_id', 'text', (c) => c.notNull().references('score_plans.run_id'))
    .addColumn('shard', 'integer', (c) => c.notNull())
    .addColumn('contracts', 'integer', (c) => c.notNull())
    .addColumn('worker', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('score_shards_pk', ['run_id', 'shard'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('score_shards').execute();
  await db.schema.dropTable('score_plans').execute();
  await db.schema.dropIndex('src_contracts_previous').execute();
}
