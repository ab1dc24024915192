import type { Kysely } from 'kysely';
import type { Database } from '../sql/database';

/**
 * A drop as landed: its batch (named by the drop's content hash, so one drop
 * is one batch however often it is ingested) and each file's hash, size and
 * rows read. The rows themselves go to raw_rows by COPY.
 */

export async function batchExists(db: Kysely<Database>, batchId: string): Promise<boolean> {
  return (await db.selectFrom('ingest_batches').select('batch_id').where('batch_id', '=', batchId).executeTakeFirst()) !== undefined;
}

export async function insertIngestBatch(db: Kysely<Database>, batch: { batchId: string; dropSha256: string; contractsVersion: string }): Promise<void> {
  await db.insertInto('ingest_batches').values({ batch_id: batch.batchId, drop_sha256: batch.dropSha256, contracts_version: batch.contractsVersion }).execute();
}

export async function insertIngestFile(db: Kysely<Database>, f: { batchId: string; file: string; sha256: string; bytes: number; rowsRead: number }): Promise<void> {
  await db.insertInto('ingest_files').values({ batch_id: f.batchId, file: f.file, sha256: f.sha256, bytes: f.bytes, rows_read: f.rowsRead }).execute();
}

export async function validationReportExists(db: Kysely<Database>, batchId: string): Promise<boolean> {
  return (await db.selectFrom('validation_reports').select('batch_id').where('batch_id', '=', batchId).executeTakeFirst()) !== undefined;
}

/** The contracts' verdict on a batch; the first verdict recorded stays, so a retry or a re-run gets the same answer. */
export async function insertValidationReport(db: Kysely<Database>, r: {
  batchId: string; ok: boolean; errors: readonly string[]; files: readonly unknown[]; contractVersions: Record<string, string>;
}): Promise<void> {
  await db.insertInto('validation_reports')
    .values({ batch_id: r.batchId, ok: r.ok, errors: JSON.stringify(r.errors), files: JSON.stringify(r.files), contract_versions: JSON.stringify(r.contractVersions) })
    .onConflict((oc) => oc.column('batch_id').doNothing()).execute();
}
