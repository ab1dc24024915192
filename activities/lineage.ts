import { ActivityDeps, batchOf, withStage } from './context';
import { PRODUCER, fileDataset, pgDataset, schemaFacet } from '../lib/openlineage';
import { SOURCE_TABLES } from '../sql/tables/sources';
import { registeredRun } from '../store/runs';

/**
 * Lineage: checks that the run's ingest and validate stages left their
 * OpenLineage events, and records the dataset-level map of the drop: each
 * file (by content hash and contract version) to the validated table it feeds.
 */
export function lineageActivity(deps: ActivityDeps) {
  return async function recordLineage({ runId }: { runId: string }) {
    return withStage(deps, runId, 'lineage', async () => {
      const { db } = deps.db;
      const run = await registeredRun(db, runId);
      const batchId = await batchOf(deps, runId);
      const events = await db.selectFrom('lineage_events').select(['job', 'event_type']).where('run_id', '=', runId).execute();
      for (const job of ['ingest', 'validate']) {
        if (!events.some((e) => e.job === job && e.event_type === 'COMPLETE')) {
          throw new Error(`lineage is incomplete: stage ${job} of run ${runId} has no COMPLETE event`);
        }
      }
      const files = await db.selectFrom('ingest_files').selectAll().where('batch_id', '=', batchId).orderBy('file').execute();
      const report = await db.selectFrom('validation_reports').select('contract_versions').where('batch_id', '=', batchId).executeTakeFirstOrThrow();
      const versions = report.contract_versions as Record<string, string>;
      const inputs = files.map((f) => fileDataset(run.drop_path, f.file, { sha256: f.sha256, bytes: Number(f.bytes), contractVersion: versions[f.file] ?? null }));
      const outputs = files.map((f) => {
        const key = f.file.replace(/\.csv(\.gz)?$/, '') as keyof typeof SOURCE_TABLES;
        const spec = SOURCE_TABLES[key];
        return pgDataset(deps.db.schema, spec.table, {
          ...schemaFacet(['batch_id', ...spec.columns].map((name) => ({ name, type: 'column' }))),
          acvloop_upstream: { _producer: PRODUCER, _schemaURL: `${PRODUCER}/facets/upstream.json`, file: f.file, sha256: f.sha256, contractVersion: versions[f.file] ?? null, batchId },
        });
      });
      return { summary: { files: files.length, events: events.length }, inputs, outputs };
    });
  };
}
