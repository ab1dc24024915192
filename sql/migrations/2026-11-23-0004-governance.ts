import { Kysely, sql } from 'kysely';

/**
 * Governance (issue 4). Frozen in time: it never imports app code.
 *
 * - a run records the operator config and the attribution policy it started with;
 * - model versions are immutable (the database refuses UPDATE and DELETE) and
 *   name the drop files they were trained on by content hash; a conservative
 *   baseline version of each family always exists to fall back to;
 * - alias moves (champion, challenger) say who moved them, from what and why;
 * - each reviewer's decision is a row (several approvers may be required);
 * - the backtest gate's verdict: every check, what needs sign-off, and what
 *   changed since the last approved run;
 * - audit entries carry the model version and the drop's hash;
 * - a run may end with its challenger failing the gate.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table runs add column config jsonb, add column attribution_policy jsonb`.execute(db);

  await sql`alter table model_versions add column training_files jsonb`.execute(db);
  await sql`create or replace function acvloop_append_only() returns trigger language plpgsql as $$
    begin raise exception '% is append-only: % is not allowed', tg_table_name, tg_op; end $$`.execute(db);
  for (const t of ['model_versions', 'model_alias_events']) {
    await sql`create trigger ${sql.id(`${t}_append_only`)} before update or delete on ${sql.table(t)}
      for each row execute function acvloop_append_only()`.execute(db);
  }
  // The conservative baselines: specifications fitted on the data at hand whenever they are used.
  await sql`insert into model_versions (model_version_id, run_id, family, params, metrics, training_batch_id, code_version, training_files) values
    ('baseline/forecast', 'baseline', 'forecast', '{"kind":"trailing_mean","window":6}', '{}', 'none', 'baseline', '[]'),
    ('baseline/renewal', 'baseline', 'renewal', '{"kind":"baseline_rate","by":"segment"}', '{}', 'none', 'baseline', '[]'),
    ('baseline/survival', 'baseline', 'survival', '{"kind":"kaplan_meier","groups":"segment"}', '{}', 'none', 'baseline', '[]'),
    ('baseline/attribution', 'baseline', 'attribution', '{"kind":"linear"}', '{}', 'none', 'baseline', '[]'),
    ('baseline/incrementality', 'baseline', 'incrementality', '{"kind":"unavailable","reason":"the baseline has no media-mix model: budget and forecast come from trailing spend and outcomes"}', '{}', 'none', 'baseline', '[]')
    on conflict do nothing`.execute(db);

  await sql`alter table model_alias_events add column actor text, add column reason text, add column from_version_id text`.execute(db);
  await sql`alter table model_alias_events drop constraint model_alias_events_once`.execute(db);
  await db.schema.createIndex('model_alias_events_latest').on('model_alias_events').columns(['family', 'alias', 'id']).execute();

  await db.schema.createTable('approval_decisions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('reviewer', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull().check(sql`decision in ('approved','rejected')`))
    .addColumn('reason', 'text')
    .addColumn('decided_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('approval_decisions_once', ['run_id', 'reviewer'])
    .execute();
  await sql`create trigger approval_decisions_append_only before update or delete on approval_decisions
    for each row execute function acvloop_append_only()`.execute(db);
  // TRUNCATE bypasses row triggers: refused by a statement trigger on each append-only table.
  for (const t of ['model_versions', 'model_alias_events', 'approval_decisions']) {
    await sql`create trigger ${sql.id(`${t}_no_truncate`)} before truncate on ${sql.table(t)}
      for each statement execute function acvloop_append_only()`.execute(db);
  }

  // The gate's verdict per family: every check (name, value, threshold, pass/fail) and what it promotes.
  await db.schema.createTable('gate_verdicts')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('passed', 'boolean', (c) => c.notNull())
    .addColumn('promote', 'jsonb', (c) => c.notNull())
    .addColumn('families', 'jsonb', (c) => c.notNull())
    .addColumn('checks', 'jsonb', (c) => c.notNull())
    .addColumn('thresholds', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // What the gate asks sign-off for, how many approvers, and what changed since the last approved run.
  await db.schema.createTable('approval_requests')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('required_approvers', 'integer', (c) => c.notNull())
    .addColumn('budget_move_share', 'double precision')
    .addColumn('sign_off', 'jsonb', (c) => c.notNull())
    .addColumn('changes', 'jsonb', (c) => c.notNull())
    .addColumn('previous_run_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await sql`alter table audit_log add column model_version_id text, add column drop_sha256 text`.execute(db);

  await sql`alter table run_outcomes drop constraint run_outcomes_status_check`.execute(db);
  await sql`alter table run_outcomes add constraint run_outcomes_status_check
    check (status in ('completed','rejected','expired','failed','gate_failed'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table run_outcomes drop constraint run_outcomes_status_check`.execute(db);
  await sql`alter table run_outcomes add constraint run_outcomes_status_check check (status in ('completed','rejected','expired','failed'))`.execute(db);
  await sql`alter table audit_log drop column model_version_id, drop column drop_sha256`.execute(db);
  await db.schema.dropTable('approval_requests').ifExists().execute();
  await db.schema.dropTable('gate_verdicts').ifExists().execute();
  await db.schema.dropTable('approval_decisions').ifExists().execute();
  await sql`drop trigger if exists model_versions_no_truncate on model_versions`.execute(db);
  await sql`drop trigger if exists model_alias_events_no_truncate on model_alias_events`.execute(db);
  await sql`drop index if exists model_alias_events_latest`.execute(db);
  await sql`drop trigger if exists model_alias_events_append_only on model_alias_events`.execute(db);
  await sql`alter table model_alias_events drop column actor, drop column reason, drop column from_version_id`.execute(db);
  await sql`drop trigger if exists model_versions_append_only on model_versions`.execute(db);
  await sql`delete from model_versions where run_id = 'baseline'`.execute(db);
  await sql`alter table model_versions drop column training_files`.execute(db);
  await sql`drop function if exists acvloop_append_only()`.execute(db);
  await sql`alter table runs drop column config, drop column attribution_policy`.execute(db);
}
