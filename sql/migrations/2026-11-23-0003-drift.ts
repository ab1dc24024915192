import { Kysely, sql } from 'kysely';

/**
 * Drift (issue 4, section 3). Frozen in time: it never imports app code.
 *
 * - drift_features: per run, source and feature, the test Evidently's rule
 *   chose (ks, chisquare, wasserstein, jensenshannon, or none when a sample
 *   was empty), its statistic, p-value (tests only), the PSI beside it, the
 *   threshold it was held against and the verdict, and the reference run
 *   (null when the reference was older months of the same drop);
 * - drift_sources: per run and source, the rows compared, the row-count check
 *   against earlier runs, the share of drifted features and the verdict.
 * Keyed by run, so a re-run of the stage never adds rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('drift_features')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('number','category')`))
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('ks','chisquare','wasserstein','jensenshannon','none')`))
    .addColumn('statistic', 'double precision')
    .addColumn('p_value', 'double precision')
    .addColumn('psi', 'double precision')
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('drifted', 'boolean', (c) => c.notNull())
    .addColumn('reference_run_id', 'text')
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('drift_features_pk', ['run_id', 'source', 'feature'])
    .execute();

  await db.schema.createTable('drift_sources')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('rows', 'integer', (c) => c.notNull())
    .addColumn('reference_rows', 'integer', (c) => c.notNull())
    .addColumn('row_count_z', 'double precision')
    .addColumn('row_anomaly', 'boolean', (c) => c.notNull())
    .addColumn('drifted_share', 'double precision', (c) => c.notNull())
    .addColumn('drifted', 'boolean', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('drift_sources_pk', ['run_id', 'source'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('drift_sources').ifExists().execute();
  await db.schema.dropTable('drift_features').ifExists().execute();
}
