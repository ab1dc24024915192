/** Runs: what was asked for, how each stage went, how it ended, and the batch it read. */
import type { ColumnType, Generated } from 'kysely';
import type { Json, Timestamp } from './column-types';

export interface RunsTable {
  run_id: string;
  month: string;
  drop_path: string;
  drop_sha256: string;
  version: number;
  requested_by: string;
  seed: ColumnType<string, number | string, never>;
  code_version: string;
  created_at: Timestamp;
  /** The operator config the run started with (null for runs before governance). */
  config: ColumnType<Record<string, unknown> | null, string | null | undefined, never>;
  attribution_policy: ColumnType<Record<string, unknown> | null, string | null | undefined, never>;
  /** A pilot's scope (`{ region?, segment?, campaigns? }`, lib/run-scope.ts); null for an organisation-wide run. */
  scope: ColumnType<{ region?: string; segment?: string; campaigns?: string[] } | null, string | null | undefined, never>;
}

export interface RunStageEventsTable {
  id: Generated<string>;
  run_id: string;
  stage: string;
  status: 'started' | 'completed' | 'failed';
  attempt: number;
  summary: Json | null;
  error: string | null;
  at: Timestamp;
}

export interface RunOutcomesTable {
  run_id: string;
  status: 'completed' | 'rejected' | 'expired' | 'failed' | 'gate_failed';
  error: string | null;
  at: Timestamp;
}

export interface RunBatchesTable {
  run_id: string;
  batch_id: string;
}

/** The runs tables by name. */
export interface RunsTables {
  runs: RunsTable;
  run_stage_events: RunStageEventsTable;
  run_outcomes: RunOutcomesTable;
  run_batches: RunBatchesTable;
}
