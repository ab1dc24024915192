import type { Kysely, Selectable } from 'kysely';
import type { PoolClient } from 'pg';
import { copyColumns, copyRows } from '../sql/copy';
import type { BudgetRecommendationsTable, ContractScoresTable, Database, ForecastsTable, ForecastTotalsTable, KpisTable } from '../sql/database';

/**
 * What the score stage stores for a run: contract scores, KPIs, forecasts and
 * the budget, all loaded by COPY in one transaction (activities/score.ts
 * calls the copies below); the reads the stages after it take. A row here is
 * its table's row without the run (and the model version) its copy adds.
 */

/** Whether the run's score stage has stored its outputs (a retry then stores nothing). */
export async function runIsScored(db: Kysely<Database>, runId: string): Promise<boolean> {
  return (await db.selectFrom('kpis').select('run_id').where('run_id', '=', runId).limit(1).executeTakeFirst()) !== undefined;
}

/** The budget the run recommends, per channel: current and recommended monthly spend. */
export async function budgetOfRun(db: Kysely<Database>, runId: string): Promise<{ channel: string; current: number; recommended: number }[]> {
  return db.selectFrom('budget_recommendations').select(['channel', 'current', 'recommended']).where('run_id', '=', runId).orderBy('channel').execute();
}

/** A row's JSON detail: any object, written as JSON text. */
type WithDetail<T> = Omit<T, 'detail'> & { detail: unknown };

const CONTRACT_SCORE_VALUES = ['contract_id', 'account_id', 'renewal_probability', 'ltv_mean', 'ltv_p10', 'ltv_p50', 'ltv_p90', 'ltv_outcomes',
  'projected_arr', 'next_renewal_date', 'expected_expansion'] as const;
const CONTRACT_SCORE_COLUMNS = copyColumns<ContractScoresTable>()(['run_id', 'model_version_id', ...CONTRACT_SCORE_VALUES]);
export type ContractScoreRow = Pick<Selectable<ContractScoresTable>, (typeof CONTRACT_SCORE_VALUES)[number]>;

/** The run's contract scores, by its serving renewal version. */
export function copyContractScores(client: PoolClient, runId: string, modelVersionId: string, rows: readonly ContractScoreRow[]): Promise<number> {
  return copyRows(client, 'contract_scores', CONTRACT_SCORE_COLUMNS, rows, (s) => [runId, modelVersionId, ...CONTRACT_SCORE_VALUES.map((c) => s[c])]);
}

const KPI_COLUMNS = copyColumns<KpisTable>()(['run_id', 'name', 'dimension', 'key', 'value', 'detail']);
export type KpiRow = WithDetail<Omit<Selectable<KpisTable>, 'run_id'>>;

export function copyKpis(client: PoolClient, runId: string, rows: readonly KpiRow[]): Promise<number> {
  return copyRows(client, 'kpis', KPI_COLUMNS, rows, (k) => [runId, k.name, k.dimension, k.key, k.value, JSON.stringify(k.detail)]);
}

const FORECAST_COLUMNS = copyColumns<ForecastsTable>()(['run_id', 'model_version_id', 'scenario', 'month', 'mean', 'lo80', 'hi80', 'lo95', 'hi95']);
export type ForecastRow = Omit<Selectable<ForecastsTable>, 'run_id' | 'model_version_id'>;

/** The run's forecast per scenario and month, by its serving forecast version. */
export function copyForecasts(client: PoolClient, runId: string, modelVersionId: string, rows: readonly ForecastRow[]): Promise<number> {
  return copyRows(client, 'forecasts', FORECAST_COLUMNS, rows, (f) => [runId, modelVersionId, f.scenario, f.month, f.mean, f.lo80, f.hi80, f.lo95, f.hi95]);
}

const FORECAST_TOTAL_COLUMNS = copyColumns<ForecastTotalsTable>()(
  ['run_id', 'model_version_id', 'scenario', 'horizon_months', 'spend_usd', 'mean', 'lo80', 'hi80', 'lo95', 'hi95']);
export type ForecastTotalRow = Omit<Selectable<ForecastTotalsTable>, 'run_id' | 'model_version_id'>;

/** The run's forecast totals per scenario and horizon, by its serving forecast version. */
export function copyForecastTotals(client: PoolClient, runId: string, modelVersionId: string, rows: readonly ForecastTotalRow[]): Promise<number> {
  return copyRows(client, 'forecast_totals', FORECAST_TOTAL_COLUMNS, rows,
    (t) => [runId, modelVersionId, t.scenario, t.horizon_months, t.spend_usd, t.mean, t.lo80, t.hi80, t.lo95, t.hi95]);
}

const BUDGET_COLUMNS = copyColumns<BudgetRecommendationsTable>()(['run_id', 'channel', 'current', 'recommended', 'binding', 'detail']);
export type BudgetRecommendationRow = WithDetail<Omit<Selectable<BudgetRecommendationsTable>, 'run_id'>>;

export function copyBudgetRecommendations(client: PoolClient, runId: string, rows: readonly BudgetRecommendationRow[]): Promise<number> {
  return copyRows(client, 'budget_recommendations', BUDGET_COLUMNS, rows, (b) => [runId, b.channel, b.current, b.recommended, b.binding, JSON.stringify(b.detail)]);
}
