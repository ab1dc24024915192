import { attributeWonAcv, ATTRIBUTION_MODELS, type AttributionResult } from '../models/attribution';
import { monthlyWonAcv, rollingOriginBacktest } from '../models/forecast';
import { fitRenewalModel, renewalDecisions } from '../models/renewal';
import { copyRows } from '../sql/copy';
import { ActivityDeps, inLockedTransaction, runContext, heartbeat, withStage } from './context';
import { wonOpportunities } from './cycle-data';
import { loadSources } from './load';
import { pgDataset } from './lineage-event';

export const ATTRIBUTION_POLICY = { lookbackDays: 180, halfLifeDays: 30 } as const;
/** Candidate trailing windows of the forecast; retraining picks the one with the lowest backtest error. */
export const FORECAST_WINDOWS = [3, 6, 12] as const;
export const FORECAST_HORIZON = 3;

export const modelVersionId = (runId: string, family: string) => `${runId}/${family}`;

/**
 * Retrain: fits this run's challenger models on the validated batch and
 * stores them as immutable model versions (parameters, training batch, code
 * version, in-sample metrics), with the attribution they compute.
 */
export function retrainActivity(deps: ActivityDeps) {
  return async function retrain({ runId }: { runId: string }) {
    return withStage(deps, runId, 'retrain', async () => {
      const { db } = deps.db;
      const { run, batchId, asOf } = await runContext(deps, runId);
      const rows = await loadSources(deps, batchId, ['accounts', 'opportunities', 'contracts', 'touchpoints', 'usage']);
      const rollup = await db.selectFrom('account_rollup').select(['account_id', 'top_parent_id']).where('run_id', '=', runId).execute();
      const topParent = new Map(rollup.map((r) => [r.account_id, r.top_parent_id]));

      const won = wonOpportunities(rows, asOf);
      const touches = rows.touchpoints.filter((t) => t.occurred_at < asOf);
      const attribution = attributeWonAcv(touches, won, topParent, { ...ATTRIBUTION_POLICY, models: ATTRIBUTION_MODELS });
      heartbeat({ fitted: 'attribution' });

      const decisions = renewalDecisions(rows.contracts, rows.accounts, rows.usage, asOf);
      const renewal = fitRenewalModel(decisions);
      heartbeat({ fitted: 'renewal' });

      const series = monthlyWonAcv(rows.opportunities, { to: run.month }).map((m) => m.acv);
      const forecast = chooseForecastWindow(series);

      const versions = [
        { family: 'attribution', params: { ...ATTRIBUTION_POLICY, models: ATTRIBUTION_MODELS }, metrics: attribution.won },
        { family: 'renewal', params: renewal, metrics: { decisions: decisions.length, renewed: decisions.filter((d) => d.renewed).length } },
        { family: 'forecast', params: { kind: 'trailing_mean', window: forecast.window, horizon: FORECAST_HORIZON }, metrics: forecast.metrics },
      ];
      await inLockedTransaction(deps, `retrain:${runId}`, async (client) => {
        const done = await client.query('select 1 from model_versions where run_id = $1 limit 1', [runId]);
        if (!done.rowCount) {
          for (const v of versions) {
            await client.query(
              `insert into model_versions (model_version_id, run_id, family, params, metrics, training_batch_id, code_version)
               values ($1, $2, $3, $4, $5, $6, $7)`,
              [modelVersionId(runId, v.family), runId, v.family, JSON.stringify(v.params), JSON.stringify(v.metrics), batchId, deps.codeVersion],
            );
          }
          const cols = ['run_id', 'model_version_id', 'model', 'dimension', 'key', 'conversions', 'acv_usd'] as const;
          await copyRows(client, 'attribution', cols, attributionRows(runId, attribution), (r) => cols.map((c) => r[c]));
        }
      });
      return {
        summary: {
          wonDeals: attribution.won.opportunities, wonAcv: Math.round(attribution.won.acv), renewalDecisions: decisions.length,
          renewalModel: renewal.kind, forecastWindow: forecast.window,
        },
        inputs: ['src_accounts', 'src_opportunities', 'src_contracts', 'src_touchpoints', 'src_usage', 'account_rollup'].map((t) => pgDataset(deps.db.schema, t)),
        outputs: ['model_versions', 'attribution'].map((t) => pgDataset(deps.db.schema, t)),
      };
    });
  };
}

function attributionRows(runId: string, a: AttributionResult) {
  const out: { run_id: string; model_version_id: string; model: string; dimension: string; key: string; conversions: number; acv_usd: number }[] = [];
  const mv = modelVersionId(runId, 'attribution');
  for (const [model, credit] of Object.entries(a.models)) {
    if (!credit) continue;
    for (const [key, c] of Object.entries(credit.byChannel)) out.push({ run_id: runId, model_version_id: mv, model, dimension: 'channel', key, conversions: c.conversions, acv_usd: c.acv });
    for (const [key, c] of Object.entries(credit.byCampaign)) out.push({ run_id: runId, model_version_id: mv, model, dimension: 'campaign', key, conversions: c.conversions, acv_usd: c.acv });
    for (const [segment, byChannel] of Object.entries(credit.bySegment)) {
      for (const [key, c] of Object.entries(byChannel)) out.push({ run_id: runId, model_version_id: mv, model, dimension: `segment:${segment}`, key, conversions: c.conversions, acv_usd: c.acv });
    }
  }
  return out;
}

/** Picks the trailing window with the lowest rolling-origin MAE; ties go to the longer (steadier) window. */
export function chooseForecastWindow(series: number[]): { window: number; metrics: Record<string, number | null> } {
  let best: { window: number; metrics: Record<string, number | null> } | null = null;
  let bestMae = Infinity;
  for (const window of FORECAST_WINDOWS) {
    if (series.length < window + 1 + FORECAST_HORIZON) continue;
    const bt = rollingOriginBacktest(series, { minTrain: window + 1, horizon: FORECAST_HORIZON, window });
    if (bt.mae <= bestMae) {
      bestMae = bt.mae;
      best = { window, metrics: { mae: bt.mae, mape: bt.mape, coverage80: bt.coverage80, coverage95: bt.coverage95 } };
    }
  }
  // Too short a history to compare: the shortest window, with no metrics to claim.
  return best ?? { window: Math.min(FORECAST_WINDOWS[0], Math.max(1, series.length)), metrics: { mae: null, mape: null, coverage80: null, coverage95: null } };
}
