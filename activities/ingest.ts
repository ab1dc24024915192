import { createHash } from 'node:crypto';
import path from 'node:path';
import { readCsvFile, UnreadableFileError } from '../contracts/csv';
import { openCopy } from '../sql/copy';
import { ActivityDeps, inLockedTransaction, heartbeat, withStage } from './context';
import { dropFilesIn, hashDrop } from './drop-hash';
import { dropChanged, dropRejected } from './errors';
import { PRODUCER, pgDataset, schemaFacet } from './lineage-event';

/** The batch id of a drop: its content hash. The same bytes are one batch, however often they are ingested. */
export function batchIdFor(dropSha256: string): string {
  return createHash('sha256').update(`batch:${dropSha256}`).digest('hex').slice(0, 32);
}

/**
 * Ingest: lands every record of every drop file, as read, in `raw_rows`
 * (COPY), and records the batch with each file's sha256 and row count. One
 * transaction per drop: a failed or retried attempt leaves nothing behind,
 * and a drop already landed is linked, not loaded again.
 */
export function ingestActivity(deps: ActivityDeps) {
  return async function ingest({ runId }: { runId: string }) {
    return withStage(deps, runId, 'ingest', async () => {
      const { db } = deps.db;
      const run = await db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
      const drop = await hashDrop(run.drop_path);
      if (drop.sha256 !== run.drop_sha256) {
        throw dropChanged(`the files in ${run.drop_path} changed after run ${runId} started ` +
          `(sha256 ${drop.sha256.slice(0, 12)}… instead of ${run.drop_sha256.slice(0, 12)}…); start a new run`);
      }
      const batchId = batchIdFor(drop.sha256);
      let reused = false;
      let rows = 0;
      await inLockedTransaction(deps, `batch:${batchId}`, async (client) => {
        const existing = await client.query('select 1 from ingest_batches where batch_id = $1', [batchId]);
        if (existing.rowCount) {
          reused = true;
          const r = await client.query('select coalesce(sum(rows_read), 0)::int as n from ingest_files where batch_id = $1', [batchId]);
          rows = r.rows[0].n;
        } else {
          await client.query('insert into ingest_batches (batch_id, drop_sha256, contracts_version) values ($1, $2, $3)',
            [batchId, drop.sha256, 'raw']);
          for (const name of dropFilesIn(run.drop_path)) {
            const file = path.join(run.drop_path, name);
            // Rows stream into COPY while the file is parsed: Node parses while Postgres loads.
            const raw = openCopy(client, 'raw_rows', ['batch_id', 'file', 'line', 'record']);
            let info;
            try {
              info = await readCsvFile(file, {
                onRecord: (r) => raw.push([batchId, name, r.line, JSON.stringify(r.fields)]),
                onMalformed: (m) => raw.push([batchId, name, m.line, JSON.stringify({ _malformed: m.reason, _raw: m.raw })]),
              });
            } catch (err) {
              await raw.end().catch(() => {});
              if (err instanceof UnreadableFileError) throw dropRejected(`${name}: ${err.message}`);
              throw err;
            }
            const landed = await raw.end();
            const expected = drop.files.find((f) => f.file === name)!;
            if (info.sha256 !== expected.sha256) throw dropChanged(`${name} changed while it was being read`);
            await client.query('insert into ingest_files (batch_id, file, sha256, bytes, rows_read) values ($1, $2, $3, $4, $5)',
              [batchId, name, expected.sha256, expected.bytes, landed]);
            rows += landed;
            heartbeat({ file: name, rows });
          }
        }
        await client.query('insert into run_batches (run_id, batch_id) values ($1, $2) on conflict (run_id) do nothing', [runId, batchId]);
      });
      return {
        summary: { batchId, files: drop.files.length, rows, reused },
        inputs: drop.files.map((f) => ({
          namespace: 'file', name: path.join(run.drop_path, f.file),
          facets: { acvloop_content: { _producer: PRODUCER, _schemaURL: `${PRODUCER}/facets/content.json`, sha256: f.sha256, bytes: f.bytes } },
        })),
        outputs: [pgDataset(deps.db.schema, 'raw_rows', schemaFacet([
          { name: 'batch_id', type: 'text' }, { name: 'file', type: 'text' }, { name: 'line', type: 'integer' }, { name: 'record', type: 'jsonb' },
        ]))],
      };
    });
  };
}
