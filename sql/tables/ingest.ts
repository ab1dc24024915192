/** Ingest and validate: the drop as landed (batches, files, raw rows), the verdict on it and its quarantine. */
import type { ColumnType } from 'kysely';
import type { Json, Timestamp } from './column-types';

export interface IngestBatchesTable {
  batch_id: string;
  drop_sha256: string;
  contracts_version: string;
  created_at: Timestamp;
}

export interface IngestFilesTable {
  batch_id: string;
  file: string;
  sha256: string;
  bytes: ColumnType<string, number, never>;
  rows_read: number;
}

export interface RawRowsTable {
  batch_id: string;
  file: string;
  line: number;
  record: Json<Record<string, string>>;
}

export interface ValidationReportsTable {
  batch_id: string;
  ok: boolean;
  errors: Json<string[]>;
  files: Json<Record<string, unknown>[]>;
  contract_versions: Json<Record<string, string>>;
  created_at: Timestamp;
}

export interface QuarantineTable {
  batch_id: string;
  file: string;
  line: number;
  column_name: string | null;
  rule: string;
  value: string | null;
  message: string;
  raw: Json | null;
}

/** The ingest tables by name. */
export interface IngestTables {
  ingest_batches: IngestBatchesTable;
  ingest_files: IngestFilesTable;
  raw_rows: RawRowsTable;
  validation_reports: ValidationReportsTable;
  quarantine: QuarantineTable;
}
