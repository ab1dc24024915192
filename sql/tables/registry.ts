/** The model registry: versions, their backtests, and the alias moves (champion, challenger) as events. */
import type { ColumnType, Generated } from 'kysely';
import type { Json, Timestamp } from './column-types';

export interface ModelVersionsTable {
  model_version_id: string;
  run_id: string;
  family: string;
  params: Json;
  metrics: Json;
  training_batch_id: string;
  code_version: string;
  created_at: Timestamp;
  /** The drop files the version was trained on: [{file, sha256}]. */
  training_files: ColumnType<{ file: string; sha256: string }[] | null, string | null | undefined, never>;
}

export interface BacktestsTable {
  run_id: string; model_version_id: string; role: 'challenger' | 'champion'; metric: string; value: number | null; detail: Json;
}

export interface ModelAliasEventsTable {
  /** Null when the move cleared the alias (a rejected or expired run's challenger). */
  id: Generated<string>; family: string; alias: string; model_version_id: string | null; run_id: string; at: Timestamp;
  actor: string | null; reason: string | null; from_version_id: string | null;
}

/** The registry tables by name. */
export interface RegistryTables {
  model_versions: ModelVersionsTable;
  backtests: BacktestsTable;
  model_alias_events: ModelAliasEventsTable;
}
