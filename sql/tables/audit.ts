/** The audit log (append-only: the database rejects UPDATE, DELETE and TRUNCATE). */
import type { Generated } from 'kysely';
import type { Json, Timestamp } from './column-types';

export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor: string;
  action: string;
  run_id: string | null;
  before: Json | null;
  after: Json | null;
  reason: string | null;
  dedupe_key: string | null;
  model_version_id: string | null;
  drop_sha256: string | null;
}

/** The audit tables by name. */
export interface AuditTables {
  audit_log: AuditLogTable;
}
