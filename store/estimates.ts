import type { Insertable, Selectable } from 'kysely';
import type { PoolClient } from 'pg';
import { copyColumns, copyRows } from '../sql/copy';
import type { AttributionRemovalEffectsTable, AttributionTable, IncrementalityTable, SurvivalCurvesTable } from '../sql/database';

/**
 * What a run's model versions estimate, written once by its retrain in the
 * transaction that stores the versions (store/model-versions.ts), by COPY:
 * `attribution` (each model's credit per revenue, dimension and key),
 * `attribution_removal_effects` (the Markov model's, per channel),
 * `incrementality` (the media-mix model's, per channel) and
 * `survival_curves` (per group). A row is its table's whole row, as COPY
 * writes every column (activities/model-rows.ts builds them).
 */
export type AttributionRow = Selectable<AttributionTable>;
export type RemovalEffectRow = Selectable<AttributionRemovalEffectsTable>;
/** Its detail is JSON text, as an insert takes it. */
export type IncrementalityRow = Insertable<IncrementalityTable>;
export type SurvivalCurveRow = Selectable<SurvivalCurvesTable>;

const ATTRIBUTION_COLUMNS = copyColumns<AttributionTable>()(['run_id', 'model_version_id', 'revenue', 'model', 'dimension', 'key', 'conversions', 'acv_usd']);
const REMOVAL_EFFECT_COLUMNS = copyColumns<AttributionRemovalEffectsTable>()(['run_id', 'model_version_id', 'revenue', 'channel', 'removal_effect']);
const INCREMENTALITY_COLUMNS = copyColumns<IncrementalityTable>()(
  ['run_id', 'model_version_id', 'channel', 'spend_usd', 'incremental_acv', 'low', 'high', 'interval', 'roi', 'mroi', 'detail']);
const SURVIVAL_CURVE_COLUMNS = copyColumns<SurvivalCurvesTable>()(['run_id', 'model_version_id', 'group_key', 't_months', 'survival', 'lo95', 'hi95', 'at_risk', 'events']);

export function copyAttribution(client: PoolClient, rows: readonly AttributionRow[]): Promise<number> {
  return copyRows(client, 'attribution', ATTRIBUTION_COLUMNS, rows, (r) => ATTRIBUTION_COLUMNS.map((c) => r[c]));
}

export function copyRemovalEffects(client: PoolClient, rows: readonly RemovalEffectRow[]): Promise<number> {
  return copyRows(client, 'attribution_removal_effects', REMOVAL_EFFECT_COLUMNS, rows, (r) => REMOVAL_EFFECT_COLUMNS.map((c) => r[c]));
}

export function copyIncrementality(client: PoolClient, rows: readonly IncrementalityRow[]): Promise<number> {
  return copyRows(client, 'incrementality', INCREMENTALITY_COLUMNS, rows, (r) => INCREMENTALITY_COLUMNS.map((c) => r[c]));
}

export function copySurvivalCurves(client: PoolClient, rows: readonly SurvivalCurveRow[]): Promise<number> {
  return copyRows(client, 'survival_curves', SURVIVAL_CURVE_COLUMNS, rows, (r) => SURVIVAL_CURVE_COLUMNS.map((c) => r[c]));
}
