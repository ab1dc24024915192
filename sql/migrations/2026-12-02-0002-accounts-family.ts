import { Kysely, sql } from 'kysely';

/**
 * The registry family `accounts` (issue 16): the win and expansion
 * propensities of accounts. Its conservative baseline, like the others a
 * specification fitted on the data at hand whenever it is used: each
 * account's propensity is its segment's historical rate (of winning a deal
 * within 6 months, of a customer expanding within 12). Frozen in time: it
 * never imports app code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`insert into model_versions (model_version_id, run_id, family, params, metrics, training_batch_id, code_version, training_files) values
    ('baseline/accounts', 'baseline', 'accounts', '{"kind":"baseline_rate","by":"segment"}', '{}', 'none', 'baseline', '[]')
    on conflict do nothing`.execute(db);
}

/** model_versions is append-only: its trigger steps aside for this one delete. An alias moved to the baseline must go first (going down needs a registry without it). */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table model_versions disable trigger model_versions_append_only`.execute(db);
  await sql`delete from model_versions where model_version_id = 'baseline/accounts'`.execute(db);
  await sql`alter table model_versions enable trigger model_versions_append_only`.execute(db);
}
