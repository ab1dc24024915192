/**
 * Model outputs as the rows of their tables: plain mappings, so the stage
 * code reads as what it stores and the mapping is tested once.
 *
 * Each row's shape is its table's (sql/tables/outputs.ts). COPY writes every
 * column, so a row is the whole row as it reads back (`Selectable`), not
 * kysely's insert shape, where a defaulted column is optional; incrementality
 * carries its detail as JSON text, as an insert does (`Insertable`).
 */
import type { Insertable, Selectable } from 'kysely';
import type { AcvAttribution } from '../models/attribution-acv';
import type { SurvivalSummary } from '../models/lifetimes';
import type { MmmFit } from '../models/mmm';
import type { Database } from '../sql/database';

export type AttributionRow = Selectable<Database['attribution']>;
type RemovalEffectRow = Selectable<Database['attribution_removal_effects']>;
type IncrementalityRow = Insertable<Database['incrementality']>;
type SurvivalCurveRow = Selectable<Database['survival_curves']>;

type Revenue = AttributionRow['revenue'];
const REVENUES: readonly Revenue[] = ['new', 'expansion'];

/** Every model's credit of new and expansion ACV, per channel, campaign and `segment:<s>`. */
export function attributionRows(runId: string, modelVersionId: string, a: AcvAttribution): AttributionRow[] {
  const out: AttributionRow[] = [];
  const base = { run_id: runId, model_version_id: modelVersionId };
  for (const revenue of REVENUES) {
    for (const [model, credit] of Object.entries(a[revenue].models)) {
      if (!credit) continue;
      const push = (dimension: string, key: string, c: { conversions: number; acv: number }) =>
        out.push({ ...base, revenue, model, dimension, key, conversions: c.conversions, acv_usd: c.acv });
      for (const [key, c] of Object.entries(credit.byChannel)) push('channel', key, c);
      for (const [key, c] of Object.entries(credit.byCampaign)) push('campaign', key, c);
      for (const [segment, byChannel] of Object.entries(credit.bySegment)) {
        for (const [key, c] of Object.entries(byChannel)) push(`segment:${segment}`, key, c);
      }
    }
  }
  return out;
}

export function removalEffectRows(runId: string, modelVersionId: string, a: AcvAttribution): RemovalEffectRow[] {
  return REVENUES.flatMap((revenue) =>
    Object.entries(a.removalEffects[revenue] ?? {}).map(([channel, removal_effect]) => ({ run_id: runId, model_version_id: modelVersionId, revenue, channel, removal_effect })));
}

/** Interval stored with incrementality: the central 80% of the bootstrap. */
export const INCREMENTALITY_INTERVAL = 0.8;

export function incrementalityRows(runId: string, modelVersionId: string, fit: MmmFit): IncrementalityRow[] {
  return fit.results.map((r) => ({
    run_id: runId, model_version_id: modelVersionId, channel: r.channel, spend_usd: r.spend,
    incremental_acv: r.incrementalAcv, low: r.incrementalAcvQuantiles.p10, high: r.incrementalAcvQuantiles.p90, interval: INCREMENTALITY_INTERVAL,
    roi: Number.isFinite(r.roi) ? r.roi : null, mroi: Number.isFinite(r.mroi) ? r.mroi : null,
    detail: JSON.stringify({
      incrementalAcv: r.incrementalAcvQuantiles, roi: r.roiQuantiles, mroi: r.mroiQuantiles, attributedAcv: r.attributedAcv, transform: r.transform,
      identifiability: r.identifiability,
    }),
  }));
}


export function survivalCurveRows(runId: string, modelVersionId: string, curves: SurvivalSummary['curves']): SurvivalCurveRow[] {
  return Object.entries(curves).flatMap(([group_key, points]) =>
    points.map((p) => ({ run_id: runId, model_version_id: modelVersionId, group_key, t_months: p.t, survival: p.survival,
      lo95: Number.isFinite(p.lo95) ? p.lo95 : null, hi95: Number.isFinite(p.hi95) ? p.hi95 : null, at_risk: p.atRisk, events: p.events })));
}
