import { Kysely, sql } from 'kysely';

/**
 * The first schema of acvloop. Frozen in time: it never imports app code.
 *
 * Layout, following the data flow: runs and their stage events -> ingest
 * batches (content-addressed) with raw rows -> validated sources and
 * quarantine -> lineage events -> graph -> model versions -> backtests ->
 * outputs (attribution, KPIs, contract scores, forecasts, budget) ->
 * approvals -> publications and alias moves -> audit log.
 *
 * Outputs are keyed by run id and never updated: a re-run is a new run id.
 * Sources are keyed by batch id (the content hash of the drop and the
 * contract versions), so the same drop loaded twice is one batch.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const ts = (c: any) => c.notNull().defaultTo(sql`now()`);

  await db.schema.createTable('runs')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('drop_path', 'text', (c) => c.notNull())
    .addColumn('drop_sha256', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('seed', 'bigint', (c) => c.notNull())
    .addColumn('code_version', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', ts)
    .execute();

  await db.schema.createTable('run_stage_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.run_id'))
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('started','completed','failed')`))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('summary', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('at', 'timestamptz', ts)
    .addUniqueConstraint('run_stage_events_once', ['run_id', 'stage', 'status', 'attempt'])
    .execute();

  await db.schema.createTable('run_outcomes')
    .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.run_id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('completed','rejected','expired','failed')`))
    .addColumn('error', 'text')
    .addColumn('at', 'timestamptz', ts)
    .execute();

  await db.schema.createTable('ingest_batches')
    .addColumn('batch_id', 'text', (c) => c.primaryKey())
    .addColumn('drop_sha256', 'text', (c) => c.notNull())
    .addColumn('contracts_version', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', ts)
    .execute();

  await db.schema.createTable('ingest_files')
    .addColumn('batch_id', 'text', (c) => c.notNull().references('ingest_batches.batch_id'))
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('rows_read', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('ingest_files_pk', ['batch_id', 'file'])
    .execute();

  await db.schema.createTable('run_batches')
    .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.run_id'))
    .addColumn('batch_id', 'text', (c) => c.notNull().references('ingest_batches.batch_id'))
    .execute();

  // Raw layer: every record as read, extra columns included, by line.
  await db.schema.createTable('raw_rows')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('record', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('raw_rows_batch').on('raw_rows').columns(['batch_id', 'file', 'line']).execute();

  await db.schema.createTable('validation_reports')
    .addColumn('batch_id', 'text', (c) => c.primaryKey().references('ingest_batches.batch_id'))
    .addColumn('ok', 'boolean', (c) => c.notNull())
    .addColumn('errors', 'jsonb', (c) => c.notNull())
    .addColumn('files', 'jsonb', (c) => c.notNull())
    .addColumn('contract_versions', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', ts)
    .execute();

  await db.schema.createTable('quarantine')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('column_name', 'text')
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('value', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('raw', 'jsonb')
    .execute();
  await db.schema.createIndex('quarantine_batch').on('quarantine').columns(['batch_id', 'file', 'line']).execute();

  // Validated sources: typed, keyed by batch.
  const money = 'numeric(20, 4)';
  await db.schema.createTable('src_accounts')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_account_id', 'text')
    .addColumn('segment', 'text', (c) => c.notNull())
    .addColumn('industry', 'text')
    .addColumn('region', 'text')
    .addColumn('created_at', 'date', (c) => c.notNull())
    .addPrimaryKeyConstraint('src_accounts_pk', ['batch_id', 'account_id'])
    .execute();
  await db.schema.createTable('src_opportunities')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('opportunity_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'date', (c) => c.notNull())
    .addColumn('closed_at', 'date')
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('amount', money, (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_usd', money, (c) => c.notNull())
    .addColumn('lead_source', 'text')
    .addColumn('product', 'text')
    .addPrimaryKeyConstraint('src_opportunities_pk', ['batch_id', 'opportunity_id'])
    .execute();
  await db.schema.createTable('src_contracts')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('contract_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('opportunity_id', 'text')
    .addColumn('previous_contract_id', 'text')
    .addColumn('product', 'text')
    .addColumn('start_date', 'date', (c) => c.notNull())
    .addColumn('end_date', 'date', (c) => c.notNull())
    .addColumn('term_months', 'integer', (c) => c.notNull())
    .addColumn('total_value', money, (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('discount_pct', 'numeric(7, 3)')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('cost_to_serve_annual', money)
    .addColumn('total_value_usd', money, (c) => c.notNull())
    .addColumn('acv_usd', money, (c) => c.notNull())
    .addColumn('cost_to_serve_annual_usd', money)
    .addPrimaryKeyConstraint('src_contracts_pk', ['batch_id', 'contract_id'])
    .execute();
  await db.schema.createTable('src_touchpoints')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('touchpoint_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text')
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('src_touchpoints_batch').on('src_touchpoints').columns(['batch_id', 'account_id']).execute();
  await db.schema.createTable('src_spend')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('amount', money, (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_usd', money, (c) => c.notNull())
    .addPrimaryKeyConstraint('src_spend_pk', ['batch_id', 'month', 'channel'])
    .execute();
  await db.schema.createTable('src_invoices')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('invoice_id', 'text', (c) => c.notNull())
    .addColumn('contract_id', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'date', (c) => c.notNull())
    .addColumn('amount', money, (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_usd', money, (c) => c.notNull())
    .addColumn('paid_at', 'date')
    .addPrimaryKeyConstraint('src_invoices_pk', ['batch_id', 'invoice_id'])
    .execute();
  await db.schema.createTable('src_usage')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('active_users', 'integer', (c) => c.notNull())
    .addColumn('usage_units', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('src_usage_pk', ['batch_id', 'account_id', 'month'])
    .execute();
  await db.schema.createTable('src_fx_rates')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('rate_to_usd', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('src_fx_rates_pk', ['batch_id', 'month', 'currency'])
    .execute();

  // OpenLineage RunEvents as emitted, one row per event.
  await db.schema.createTable('lineage_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('event', 'jsonb', (c) => c.notNull())
    .addColumn('at', 'timestamptz', ts)
    .addUniqueConstraint('lineage_events_once', ['run_id', 'job', 'event_type', 'attempt'])
    .execute();

  await db.schema.createTable('graph_edges')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('src_kind', 'text', (c) => c.notNull())
    .addColumn('src_id', 'text', (c) => c.notNull())
    .addColumn('relation', 'text', (c) => c.notNull())
    .addColumn('dst_kind', 'text', (c) => c.notNull())
    .addColumn('dst_id', 'text', (c) => c.notNull())
    .addColumn('weight', 'double precision', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('graph_edges_run').on('graph_edges').columns(['run_id', 'relation']).execute();
  await db.schema.createTable('account_rollup')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('top_parent_id', 'text', (c) => c.notNull())
    .addColumn('depth', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_rollup_pk', ['run_id', 'account_id'])
    .execute();

  await db.schema.createTable('model_versions')
    .addColumn('model_version_id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('family', 'text', (c) => c.notNull())
    .addColumn('params', 'jsonb', (c) => c.notNull())
    .addColumn('metrics', 'jsonb', (c) => c.notNull())
    .addColumn('training_batch_id', 'text', (c) => c.notNull())
    .addColumn('code_version', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', ts)
    .execute();

  await db.schema.createTable('backtests')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('model_version_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('challenger','champion')`))
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('backtests_pk', ['run_id', 'model_version_id', 'metric'])
    .execute();

  await db.schema.createTable('attribution')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('model_version_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('dimension', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('conversions', 'double precision', (c) => c.notNull())
    .addColumn('acv_usd', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('attribution_pk', ['run_id', 'model', 'dimension', 'key'])
    .execute();

  await db.schema.createTable('kpis')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('dimension', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('kpis_pk', ['run_id', 'name', 'dimension', 'key'])
    .execute();

  await db.schema.createTable('contract_scores')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('model_version_id', 'text', (c) => c.notNull())
    .addColumn('contract_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('renewal_probability', 'double precision', (c) => c.notNull())
    .addColumn('ltv_mean', 'double precision', (c) => c.notNull())
    .addColumn('ltv_p10', 'double precision', (c) => c.notNull())
    .addColumn('ltv_p50', 'double precision', (c) => c.notNull())
    .addColumn('ltv_p90', 'double precision', (c) => c.notNull())
    .addColumn('projected_arr', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('contract_scores_pk', ['run_id', 'contract_id'])
    .execute();

  await db.schema.createTable('forecasts')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('model_version_id', 'text', (c) => c.notNull())
    .addColumn('scenario', 'text', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('mean', 'double precision', (c) => c.notNull())
    .addColumn('lo80', 'double precision', (c) => c.notNull())
    .addColumn('hi80', 'double precision', (c) => c.notNull())
    .addColumn('lo95', 'double precision', (c) => c.notNull())
    .addColumn('hi95', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('forecasts_pk', ['run_id', 'scenario', 'month'])
    .execute();

  await db.schema.createTable('budget_recommendations')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('current', 'double precision', (c) => c.notNull())
    .addColumn('recommended', 'double precision', (c) => c.notNull())
    .addColumn('binding', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('budget_recommendations_pk', ['run_id', 'channel'])
    .execute();

  await db.schema.createTable('approvals')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('decision', 'text', (c) => c.notNull().check(sql`decision in ('approved','rejected','expired')`))
    .addColumn('reviewer', 'text')
    .addColumn('reason', 'text')
    .addColumn('decided_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema.createTable('publications')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('published_at', 'timestamptz', ts)
    .addColumn('outputs', 'jsonb', (c) => c.notNull())
    .execute();

  // Alias moves (champion) as events: the current champion is the latest move.
  await db.schema.createTable('model_alias_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('family', 'text', (c) => c.notNull())
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('model_version_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', ts)
    .addUniqueConstraint('model_alias_events_once', ['family', 'alias', 'run_id'])
    .execute();

  await db.schema.createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', ts)
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .addColumn('reason', 'text')
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .execute();
  // Append-only, enforced by the database itself, not by convention.
  await sql`create or replace function acvloop_audit_append_only() returns trigger language plpgsql as $$
    begin raise exception 'audit_log is append-only: % is not allowed', tg_op; end $$`.execute(db);
  await sql`create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function acvloop_audit_append_only()`.execute(db);
  await sql`create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function acvloop_audit_append_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['audit_log', 'model_alias_events', 'publications', 'approvals', 'budget_recommendations', 'forecasts',
    'contract_scores', 'kpis', 'attribution', 'backtests', 'model_versions', 'account_rollup', 'graph_edges',
    'lineage_events', 'src_fx_rates', 'src_usage', 'src_invoices', 'src_spend', 'src_touchpoints', 'src_contracts',
    'src_opportunities', 'src_accounts', 'quarantine', 'validation_reports', 'raw_rows', 'run_batches', 'ingest_files',
    'ingest_batches', 'run_outcomes', 'run_stage_events', 'runs']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await sql`drop function if exists acvloop_audit_append_only()`.execute(db);
}
