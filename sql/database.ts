import type { ColumnType, Generated } from 'kysely';
import type { Json, Timestamp } from './tables/column-types';
import type { SourceTables } from './tables/sources';

/**
 * The typed Database for kysely: one interface per table of the migrations.
 * Nullable columns are `T | null`, never optional. The src_* tables are read
 * off the drop's row definitions (tables/sources.ts); column-types.ts says
 * how numeric, timestamps and JSON come back.
 */

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

export interface RunBatchesTable {
  run_id: string;
  batch_id: string;
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

export interface LineageEventsTable {
  id: Generated<string>;
  run_id: string;
  job: string;
  event_type: 'START' | 'COMPLETE' | 'FAIL';
  attempt: number;
  event: Json;
  at: Timestamp;
}

export interface GraphEdgesTable {
  run_id: string; src_kind: string; src_id: string; relation: string; dst_kind: string; dst_id: string; weight: number;
}
export interface AccountRollupTable {
  run_id: string; account_id: string; top_parent_id: string; depth: number;
}

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

export interface AttributionTable {
  run_id: string; model_version_id: string; revenue: ColumnType<'new' | 'expansion', 'new' | 'expansion' | undefined, never>;
  model: string; dimension: string; key: string; conversions: number; acv_usd: number;
}

export interface AttributionRemovalEffectsTable {
  run_id: string; model_version_id: string; revenue: 'new' | 'expansion'; channel: string; removal_effect: number;
}

export interface IncrementalityTable {
  run_id: string; model_version_id: string; channel: string; spend_usd: number; incremental_acv: number;
  low: number; high: number; interval: number; roi: number | null; mroi: number | null; detail: Json;
}

export interface SurvivalCurvesTable {
  run_id: string; model_version_id: string; group_key: string; t_months: number; survival: number;
  lo95: number | null; hi95: number | null; at_risk: number; events: number;
}

export interface ForecastTotalsTable {
  run_id: string; model_version_id: string; scenario: string; horizon_months: number; spend_usd: number;
  mean: number; lo80: number; hi80: number; lo95: number; hi95: number;
}

export interface KpisTable {
  run_id: string; name: string; dimension: string; key: string; value: number | null; detail: Json;
}

export interface ContractScoresTable {
  run_id: string; model_version_id: string; contract_id: string; account_id: string; renewal_probability: number;
  ltv_mean: number; ltv_p10: number; ltv_p50: number; ltv_p90: number; projected_arr: number;
  next_renewal_date: ColumnType<string | null, string | null | undefined, never>; expected_expansion: number | null;
  /** How many values the LTV can take (null: continuous, or written before the column existed). */
  ltv_outcomes: ColumnType<number | null, number | null | undefined, never>;
}

export interface ForecastsTable {
  run_id: string; model_version_id: string; scenario: string; month: string; mean: number;
  lo80: number; hi80: number; lo95: number; hi95: number;
}

export interface BudgetRecommendationsTable {
  run_id: string; channel: string; current: number; recommended: number; binding: string; detail: Json;
}

/** A proposed lift test of a run (models/experiment-plan.ts `LiftTest` in `plan`). */
export interface ExperimentPlansTable {
  run_id: string; channel: string; rank: number; design: string; holdout_share: number; months: number;
  minimum_detectable_lift: number; value_of_information: number; plan: Json; created_at: Timestamp;
}

export interface ApprovalsTable {
  run_id: string;
  decision: 'approved' | 'rejected' | 'expired';
  reviewer: string | null;
  reason: string | null;
  decided_at: ColumnType<Date, Date | string, never>;
}

export interface PublicationsTable {
  run_id: string; published_at: Timestamp; outputs: Json;
}

export interface ModelAliasEventsTable {
  /** Null when the move cleared the alias (a rejected or expired run's challenger). */
  id: Generated<string>; family: string; alias: string; model_version_id: string | null; run_id: string; at: Timestamp;
  actor: string | null; reason: string | null; from_version_id: string | null;
}

export interface ApprovalDecisionsTable {
  id: Generated<string>; run_id: string; reviewer: string; decision: 'approved' | 'rejected'; reason: string | null;
  decided_at: ColumnType<Date, Date | string, never>;
  /** The reviewer asked that a run older than the champion's (a backfilled month) become champion all the same. */
  promote_older: ColumnType<boolean, boolean | undefined, never>;
}

export interface GateVerdictsTable {
  run_id: string; passed: boolean; promote: Json<any>; families: Json<any>; checks: Json<any>; thresholds: Json<any>; created_at: Timestamp;
}

export interface ApprovalRequestsTable {
  run_id: string; required_approvers: number; budget_move_share: number | null; sign_off: Json<any>; changes: Json<any>;
  previous_run_id: string | null; created_at: Timestamp;
}

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

export interface DriftFeaturesTable {
  run_id: string; source: string; feature: string; kind: 'number' | 'category';
  method: 'ks' | 'chisquare' | 'wasserstein' | 'jensenshannon' | 'none';
  statistic: number | null; p_value: number | null; psi: number | null; threshold: number; drifted: boolean;
  reference_run_id: string | null; detail: Json;
}

export interface DriftSourcesTable {
  run_id: string; source: string; rows: number; reference_rows: number; row_count_z: number | null; row_anomaly: boolean;
  drifted_share: number; drifted: boolean; detail: Json;
}

/** A flagged misattribution of one opportunity in one run (append-only). */
export interface DisputesTable {
  id: Generated<string>; run_id: string; opportunity_id: string; reason: string; raised_by: string; raised_at: Timestamp;
  model: string; policy_version: string; credit: Json<any>;
}

/** The resolution of a dispute (append-only, at most one per dispute): a dispute without one is open. */
export interface DisputeResolutionsTable {
  id: Generated<string>; dispute_id: ColumnType<string, string | number, never>; resolved_by: string; note: string; resolved_at: Timestamp;
}

/** Every table; the src_* ones come from SourceTables. */
export interface Database extends SourceTables {
  runs: RunsTable;
  run_stage_events: RunStageEventsTable;
  run_outcomes: RunOutcomesTable;
  ingest_batches: IngestBatchesTable;
  ingest_files: IngestFilesTable;
  run_batches: RunBatchesTable;
  raw_rows: RawRowsTable;
  validation_reports: ValidationReportsTable;
  quarantine: QuarantineTable;
  lineage_events: LineageEventsTable;
  graph_edges: GraphEdgesTable;
  account_rollup: AccountRollupTable;
  model_versions: ModelVersionsTable;
  backtests: BacktestsTable;
  attribution: AttributionTable;
  attribution_removal_effects: AttributionRemovalEffectsTable;
  incrementality: IncrementalityTable;
  survival_curves: SurvivalCurvesTable;
  forecast_totals: ForecastTotalsTable;
  kpis: KpisTable;
  contract_scores: ContractScoresTable;
  forecasts: ForecastsTable;
  budget_recommendations: BudgetRecommendationsTable;
  experiment_plans: ExperimentPlansTable;
  approvals: ApprovalsTable;
  publications: PublicationsTable;
  model_alias_events: ModelAliasEventsTable;
  audit_log: AuditLogTable;
  approval_decisions: ApprovalDecisionsTable;
  gate_verdicts: GateVerdictsTable;
  disputes: DisputesTable;
  dispute_resolutions: DisputeResolutionsTable;
  drift_features: DriftFeaturesTable;
  drift_sources: DriftSourcesTable;
  approval_requests: ApprovalRequestsTable;
}
