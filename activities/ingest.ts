import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readCsvFile, UnreadableFileError } from '../contracts/csv';
import { jsonKeys, recordJson } from '../contracts/raw-record';
import { inLockedTransaction } from '../store/transaction';
import { batchExists, insertIngestBatch, insertIngestFile, openRawRowsCopy } from '../store/ingest';
import { insertRunBatch, registeredRun } from '../store/runs';
import { ActivityDeps, heartbeat, withStage } from './context';
import { dropFilesIn, dropHashOf } from '../contracts/drop-hash';
import { dropChanged, dropRejected } from './errors';
import { fileDataset, pgDataset, schemaFacet } from '../lib/openlineage';

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
      const run = await registeredRun(db, runId);
      // The run was started on these bytes: their hash names the batch. Each file is read once,
      // hashed while it is parsed, and the whole load rolls back if the bytes are not the run's.
      const batchId = batchIdFor(run.drop_sha256);
      let reused = false;
      await inLockedTransaction(deps, `batch:${batchId}`, async (client, tx) => {
        if (await batchExists(tx, batchId)) {
          reused = true;
        } else {
          await insertIngestBatch(tx, { batchId, dropSha256: run.drop_sha256, contractsVersion: 'raw' });
          const read: { file: string; sha256: string }[] = [];
          let rows = 0;
          for (const name of dropFilesIn(run.drop_path)) {
            const file = path.join(run.drop_path, name);
            // Rows stream into COPY while the file is parsed: Node parses while Postgres loads,
            // and the parser waits whenever Postgres falls behind.
            const raw = openRawRowsCopy(client, batchId, name);
            let keys: string[] = [];
            let info;
            try {
              info = await readCsvFile(file, {
                onHeader: (header) => { keys = jsonKeys(header); },
                onRecord: (r) => raw.record(r.line, recordJson(keys, r.values)),
                onMalformed: (m) => raw.malformed(m.line, JSON.stringify({ _malformed: m.reason, _raw: m.raw })),
                ready: () => raw.ready(),
              });
            } catch (err) {
              await raw.abort();
              // The reader's message names the file already.
              if (err instanceof UnreadableFileError) throw dropRejected(err.message);
              throw err;
            }
            const landed = await raw.end();
            read.push({ file: name, sha256: info.sha256 });
            await insertIngestFile(tx, { batchId, file: name, sha256: info.sha256, bytes: fs.statSync(file).size, rowsRead: landed });
            rows += landed;
            heartbeat({ file: name, rows });
          }
          const sha256 = dropHashOf(read);
          if (sha256 !== run.drop_sha256) {
            throw dropChanged(`the files in ${run.drop_path} changed after run ${runId} started ` +
              `(sha256 ${sha256.slice(0, 12)}… instead of ${run.drop_sha256.slice(0, 12)}…); start a new run`);
          }
        }
        await insertRunBatch(tx, runId, batchId);
      });
      const files = await db.selectFrom('ingest_files').select(['file', 'sha256', 'bytes', 'rows_read']).where('batch_id', '=', batchId).orderBy('file').execute();
      return {
        summary: { batchId, files: files.length, rows: files.reduce((n, f) => n + f.rows_read, 0), reused },
        inputs: files.map((f) => fileDataset(run.drop_path, f.file, { sha256: f.sha256, bytes: Number(f.bytes) })),
        outputs: [pgDataset(deps.db.schema, 'raw_rows', schemaFacet([
          { name: 'batch_id', type: 'text' }, { name: 'file', type: 'text' }, { name: 'line', type: 'integer' }, { name: 'record', type: 'jsonb' },
        ]))],
      };
    });
  };
}
