import type { Kysely } from 'kysely';
import type { PoolClient } from 'pg';
import type { QuarantineEntry } from '../contracts/rows';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyColumns, copyFile, copyTextCell, copyTextLine, openCopy } from '../sql/copy';
import type { Database, QuarantineTable, RawRowsTable } from '../sql/database';

/**
 * A drop as landed: its batch (named by the drop's content hash, so one drop
 * is one batch however often it is ingested), each file's hash, size and
 * rows read, and its lines as read (raw_rows, by COPY while the file is
 * parsed); then the contracts' verdict on the batch (validation_reports) and
 * the rows they quarantined (quarantine, by COPY from a spool file). The accepted rows are
 * store/sources.ts's.
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

const RAW_ROW_COLUMNS = copyColumns<RawRowsTable>()(['batch_id', 'file', 'line', 'record']);

/** One drop file's lines going into raw_rows as they are read (a COPY under way). */
export interface RawRowsCopy {
  /** A record at its line, as JSON text (contracts/raw-record.ts). */
  record(line: number, json: string): void;
  /** A line the reader could not parse, as JSON text saying why. */
  malformed(line: number, json: string): void;
  /** As CopyWriter's (sql/copy.ts): a promise while Postgres is behind. */
  ready(): Promise<void> | undefined;
  /** Resolves with the rows landed once Postgres has them all. */
  end(): Promise<number>;
  /** Cancels the COPY: none of the file's rows land. */
  abort(): Promise<void>;
}

/**
 * Opens the COPY of one file's lines into raw_rows, so the file is loaded
 * while it is parsed; rolls back with the caller's transaction.
 */
export function openRawRowsCopy(client: PoolClient, batchId: string, file: string): RawRowsCopy {
  const writer = openCopy(client, 'raw_rows', RAW_ROW_COLUMNS);
  // The batch and file cells are the same on every line: escaped once.
  const prefix = `${copyTextCell(batchId)}\t${copyTextCell(file)}\t`;
  return {
    record: (line, json) => writer.pushText(`${prefix}${line}\t${copyTextCell(json)}\n`),
    malformed: (line, json) => writer.push([batchId, file, line, json]),
    ready: () => writer.ready(),
    end: () => writer.end(),
    abort: () => writer.abort(),
  };
}

const QUARANTINE_COLUMNS = copyColumns<QuarantineTable>()(['batch_id', 'file', 'line', 'column_name', 'rule', 'value', 'message', 'raw']);

const quarantineCells = (batchId: string, q: QuarantineEntry) =>
  [batchId, q.file, q.line, q.column, q.rule, q.value, q.message, q.raw === null ? null : JSON.stringify(q.raw)];

/** The batch's quarantined rows on their way into `quarantine` (each with the rule it broke and the row as read), while the connection is busy with another COPY. */
export interface QuarantineSpool {
  /** Queues one entry (written to the spool file in 1 MiB pieces). */
  add(entry: QuarantineEntry): void;
  /** COPYs what was queued since the last flush; call between the other COPYs, on the caller's transaction. */
  flush(): Promise<void>;
  /** Removes the spool file. */
  close(): void;
}

const SPOOL_PIECE = 1 << 20;

/**
 * A quarantine that costs no memory however many rows a drop quarantines:
 * validate's connection is COPYing accepted rows while entries come, and one
 * connection runs one COPY at a time, so the entries wait on disk (as COPY
 * text lines) and go in at `flush`, in the caller's transaction (a rejected
 * drop rolls them back with its rows).
 */
export function quarantineSpool(client: PoolClient, batchId: string): QuarantineSpool {
  const dir = mkdtempSync(join(tmpdir(), 'acvloop-quarantine-'));
  const path = join(dir, 'entries.copy');
  // Null while the file is being COPYed (and after close).
  let fd: number | null = openSync(path, 'w');
  let piece = '';
  let queued = 0;
  const write = () => {
    if (fd === null) throw new Error('quarantine entries came while the spool was being loaded');
    if (piece !== '') writeSync(fd, piece);
    piece = '';
  };
  return {
    add(entry) {
      piece += copyTextLine(quarantineCells(batchId, entry));
      queued++;
      if (piece.length >= SPOOL_PIECE) write();
    },
    async flush() {
      if (queued === 0) return;
      write();
      closeSync(fd!);
      fd = null;
      await copyFile(client, 'quarantine', QUARANTINE_COLUMNS, path);
      fd = openSync(path, 'w');
      queued = 0;
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
