import { backtestMmmForecast, rollingOriginBacktest } from '../models/forecast';
import { isMmmUnavailable, mmmObservedInput, type MmmUnavailable, type StoredMmm } from '../models/mmm';
import { deriveSeed } from '../models/random';
import { fitRenewalModel, renewalDecisions, type RenewalDecision } from '../models/renewal';
import { rollingRenewalBacktest } from '../models/renewal-backtest';
import { ActivityDeps, heartbeat, inLockedTransaction, runContext, withStage } from './context';
import { loadSources } from './load';
import { aliasTarget, baselineVersionId, renewalModelOf } from './registry';
import { pgDataset } from './lineage-event';
import { FORECAST_HORIZON, modelVersionId } from './retrain';

/** First backtest origin (months of training) and the bootstrap size of each backtest fit (intervals only). */
const BACKTEST_MIN_TRAIN = 24;
const BACKTEST_BOOTSTRAP = 40;
/** Renewal backtest: four quarterly origins over the last year. */
const RENEWAL_ORIGINS = 4;
const RENEWAL_HORIZON_MONTHS = 3;

/** What the champion is when no run has been approved yet: the registry's baselines (a trailing 6-month mean, the renewal rate by segment). */
export const BASELINE = { forecast: { id: baselineVersionId('forecast'), window: 6 }, renewal: { id: baselineVersionId('renewal') } } as const;

interface Metric { model_version_id: string; role: 'challenger' | 'champion'; metric: string; value: number | null; detail: unknown }

/**
 * Backtest: the run's challengers against the current champions on the same
 * history. Forecast: rolling-origin (train before t, forecast t..t+h) MAPE
 * and interval coverage. Renewals: rolling origins each quarter of the last
 * year (fit before t, score the decisions of the next 3 months), pooled into
 * Brier, AUC and calibration by decile.
 */
export function backtestActivity(deps: ActivityDeps) {
  return async function backtest({ runId }: { runId: string }) {
    return withStage(deps, runId, 'backtest', async () => {
      const { db } = deps.db;
      const { batchId, asOf, seed } = await runContext(deps, runId);
      const rows = await loadSources(deps, batchId, ['accounts', 'contracts', 'usage'], { usage: ['account_id', 'month', 'usage_units'] });
      const metrics: Metric[] = [];

      // Forecast: the monthly outcome the incrementality model explains (new opportunities), challenger
      // (this run's media-mix specification) against the champion on the same origins.
      const stored = (await db.selectFrom('model_versions').select('params')
        .where('model_version_id', '=', modelVersionId(runId, 'incrementality')).executeTakeFirstOrThrow()).params as unknown as StoredMmm | MmmUnavailable;
      const champForecast = await aliasTarget(deps, 'forecast', 'champion');
      // A champion without a model (a run whose history was too short) is no contender: the baseline stands in.
      const champKind = champForecast && champForecast.params.kind !== 'unavailable' ? (champForecast.params.kind as string) : null;
      const forecastContenders = [
        { id: modelVersionId(runId, 'forecast'), role: 'challenger' as const, kind: isMmmUnavailable(stored) ? 'unavailable' : 'mmm' },
        { id: champKind ? champForecast!.model_version_id : BASELINE.forecast.id, role: 'champion' as const,
          kind: champKind ?? 'trailing_mean', window: (champKind ? (champForecast!.params.window as number | undefined) : undefined) ?? BASELINE.forecast.window },
      ];
      const input = isMmmUnavailable(stored) ? null : mmmObservedInput(stored);
      const n = input?.months.length ?? 0;
      const minTrain = Math.max(BACKTEST_MIN_TRAIN, BASELINE.forecast.window + 1);
      for (const c of forecastContenders) {
        if (!input || n < minTrain + FORECAST_HORIZON) {
          const reason = isMmmUnavailable(stored) ? stored.reason : `history of ${n} months is too short`;
          metrics.push({ model_version_id: c.id, role: c.role, metric: 'forecast_mape', value: null, detail: { reason } });
          continue;
        }
        const bt = c.kind === 'mmm'
          ? backtestMmmForecast(input, { minTrain, horizon: FORECAST_HORIZON, fit: { bootstrap: BACKTEST_BOOTSTRAP, seed: deriveSeed(seed, 'backtest') } })
          : rollingOriginBacktest(input.outcome, { minTrain, horizon: FORECAST_HORIZON, window: c.window ?? BASELINE.forecast.window });
        const detail = { kind: c.kind, outcome: 'new opportunities per month', horizon: FORECAST_HORIZON, origins: bt.origins.length, points: bt.points };
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'forecast_mape', value: bt.mape, detail });
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'forecast_coverage80', value: bt.coverage80, detail });
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'forecast_coverage95', value: bt.coverage95, detail });
        heartbeat({ backtested: c.role });
      }

      // Renewals: rolling origins over the last year (fit before t, score the decisions of t..t+3 months).
      // A decision's features are those at its own date, so one pass at asOf gives every origin's train and test.
      const decisions = renewalDecisions(rows.contracts, rows.accounts, rows.usage, asOf);
      const champRenewal = await aliasTarget(deps, 'renewal', 'champion');
      const champRenewalParams = champRenewal?.params ?? { kind: 'baseline_rate' };
      const renewalContenders = [
        { id: modelVersionId(runId, 'renewal'), role: 'challenger' as const, fit: (train: readonly RenewalDecision[]) => fitRenewalModel(train) },
        // A fitted champion is scored as stored (it learned from its own run's history); a baseline is refitted at each origin.
        { id: champRenewal?.model_version_id ?? BASELINE.renewal.id, role: 'champion' as const,
          fit: (train: readonly RenewalDecision[]) => renewalModelOf(champRenewalParams, train) },
      ];
      for (const c of renewalContenders) {
        const bt = rollingRenewalBacktest(decisions, { asOf, origins: RENEWAL_ORIGINS, horizonMonths: RENEWAL_HORIZON_MONTHS }, c.fit);
        const detail = { origins: bt.origins, horizonMonths: RENEWAL_HORIZON_MONTHS, tested: bt.tested,
          ...(bt.tested ? {} : { reason: 'no decisions to train or test on at any origin' }) };
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'renewal_brier', value: bt.brier, detail });
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'renewal_auc', value: bt.auc, detail });
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'renewal_calibration_gap', value: bt.calibration?.maxGap ?? null,
          detail: { ...detail, deciles: bt.calibration?.bins ?? [] } });
        heartbeat({ backtested: `renewal ${c.role}` });
      }
      await inLockedTransaction(deps, `backtest:${runId}`, async (client) => {
        for (const m of metrics) {
          await client.query(
            `insert into backtests (run_id, model_version_id, role, metric, value, detail) values ($1, $2, $3, $4, $5, $6)
             on conflict do nothing`,
            [runId, m.model_version_id, m.role, m.metric, m.value, JSON.stringify(m.detail)],
          );
        }
      });
      const get = (role: string, metric: string) => metrics.find((m) => m.role === role && m.metric === metric)?.value ?? null;
      return {
        summary: {
          challengerMape: get('challenger', 'forecast_mape'), championMape: get('champion', 'forecast_mape'),
          challengerBrier: get('challenger', 'renewal_brier'), championBrier: get('champion', 'renewal_brier'),
        },
        inputs: ['src_opportunities', 'src_contracts', 'model_versions', 'model_alias_events'].map((t) => pgDataset(deps.db.schema, t)),
        outputs: [pgDataset(deps.db.schema, 'backtests')],
      };
    });
  };
}
