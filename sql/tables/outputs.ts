/** A run's model outputs: attribution, incrementality, survival, scores, KPIs, forecasts, budget and lift-test plans. */
import type { ColumnType } from 'kysely';
import type { Json, Timestamp } from './column-types';

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

/** What every shard of a run's scoring shares (activities/score-shards.ts `ScorePlan` in `plan`), written once. */
export interface ScorePlansTable {
  run_id: string; shards: number; model_version_id: string; plan: Json; created_at: Timestamp;
}

/** A shard of a run's scoring whose contract scores are stored: how many, by which worker, on which attempt. */
export interface ScoreShardsTable {
  run_id: string; shard: number; contracts: number; worker: string; attempt: number; finished_at: Timestamp;
}

/**
 * What a run's account scoring shares (activities/score-accounts.ts): the
 * serving accounts version, the level scored (each account or each family
 * under its top parent), the as-of date and, in `summary`, the tier cuts,
 * the attribution agreement's version, the MQL counts and the KPIs by tier.
 */
export interface AccountScoreRunsTable {
  run_id: string; model_version_id: string; level: 'account' | 'family'; as_of: string; accounts: number; summary: Json; created_at: Timestamp;
}

/** An account (or a family, under its top parent) of a run: propensities, expected ACVs, engagement, rank, tier and drivers. */
export interface AccountScoresTable {
  run_id: string; account_id: string; rank: number; tier: number;
  win_propensity: number; expected_new_acv: number; expansion_propensity: number | null; expected_expansion_acv: number;
  engagement_score: number; mql: boolean; mql_at: string | null; mql_crossed_this_month: boolean; handoff: string | null;
  drivers: string; detail: Json;
}

/** The outputs tables by name. */
export interface OutputsTables {
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
  score_plans: ScorePlansTable;
  score_shards: ScoreShardsTable;
  account_score_runs: AccountScoreRunsTable;
  account_scores: AccountScoresTable;
}
