import { defaultAttributionPolicy } from '../config/attribution-policy';
import { attributeAcv } from '../models/attribution-acv';
import { attributionStability, stabilityWindows } from '../models/attribution-stability';
import { attributionOptions, parseAttributionPolicy, type LoadedPolicy } from '../models/attribution-policy';
import { BACKTEST_FORECAST_HORIZON } from '../models/forecast';
import { PATH_MODELS } from '../models/attribution-paths';
import { customerLifetimes, survivalSummary } from '../models/lifetimes';
import { MmmHistoryTooShort, storeMmm, type MmmExperiment, type MmmInput, type MmmOptions, type MmmUnavailable } from '../models/mmm';
import { fitWithLiftTests, type LiftTestCalibration } from '../models/mmm-calibration';
import { mmmSeries, type MmmOpportunity, type MmmSeries, type MmmSpend, type MmmTouch } from '../models/mmm-series';
import { activeContracts, fitRenewalModel, renewalDecisions } from '../models/renewal';
import { accountBook } from '../models/accounts/book';
import { bookRowsBefore, fitAccounts } from '../models/accounts/stored';
import { deriveSeed } from '../models/random';
import { copyAttribution, copyIncrementality, copyRemovalEffects, copySurvivalCurves } from '../store/estimates';
import { modelVersionId } from '../store/model-registry';
import { insertModelVersions, runHasModelVersions } from '../store/model-versions';
import { inLockedTransaction } from '../store/transaction';
import { ActivityDeps, runContext, heartbeat, withStage } from './context';
import { loadSources } from './load';
import { pgDataset, PRODUCER } from '../lib/openlineage';
import { attributionRows, incrementalityRows, removalEffectRows, survivalCurveRows } from './model-rows';

/** The attribution agreement of a run: the document it was started with, else the default file. */
export function runAttributionPolicy(run: { run_id: string; attribution_policy: Record<string, unknown> | null }): LoadedPolicy {
  return run.attribution_policy ? parseAttributionPolicy(run.attribution_policy, `the attribution policy of run ${run.run_id}`) : defaultAttributionPolicy();
}
/**
 * How the media-mix model is fitted: `bootstrap` replicates (its intervals, and
 * the draws the budget and forecast use) and `lookbackDays`, the journey window
 * of its series (models/mmm-series.ts).
 */
export const MMM_FIT_SETTINGS = { bootstrap: 200, lookbackDays: 180 } as const;

/**
 * Retrain: fits this run's challenger models on the validated batch and
 * stores them as immutable model versions (parameters, training batch, code
 * version, in-sample metrics) with what they estimate:
 * - attribution of new and expansion ACV under every model (heuristics,
 *   Markov with removal effects, Shapley), per channel, campaign and segment;
 * - incrementality: the media-mix model of what each channel's spend caused,
 *   whose bootstrap draws also drive the forecast and the budget;
 * - the renewal model (logistic, with covariates) and the survival summary
 *   (Kaplan–Meier by segment, log-rank, Cox, sBG);
 * - the accounts to pursue: win and expansion propensity (models/accounts/),
 *   with engagement under the agreement's engagement section.
 */
/** Touches and opportunities known before `asOf` (the day after the run's month): a deal closed later is still open. */
export function knownBefore<T extends { occurred_at: string }, O extends { created_at: string; closed_at: string | null; stage: string }>(
  rows: { touchpoints: readonly T[]; opportunities: readonly O[] }, asOf: string): { touches: T[]; closed: (O | (O & { stage: 'open'; closed_at: null }))[] } {
  const touches = rows.touchpoints.filter((t) => t.occurred_at < asOf);
  const closed = rows.opportunities.filter((o) => o.created_at < asOf)
    .map((o) => (o.closed_at !== null && o.closed_at >= asOf ? { ...o, stage: 'open' as const, closed_at: null } : o));
  return { touches, closed };
}

/**
 * The media-mix model's series through `month` and the lift tests it can use:
 * those on a channel with spend in the window and overlapping it (others are
 * reported, not used). The truth bench calls this too, so it measures what
 * retrain fits.
 */
export function incrementalityInputs(known: { touches: readonly MmmTouch[]; closed: readonly MmmOpportunity[] },
  rows: { spend: readonly MmmSpend[]; experiments: readonly MmmExperiment[] }, month: string): { series: MmmSeries; experiments: MmmExperiment[] } {
  const spend = rows.spend.filter((s) => s.month <= month);
  const series = mmmSeries({ opportunities: known.closed, touchpoints: known.touches, spend }, { to: month, lookbackDays: MMM_FIT_SETTINGS.lookbackDays });
  const experiments = rows.experiments.filter((e) => (series.spend[e.channel] ?? []).some((x) => x > 0)
    && e.start <= series.months[series.months.length - 1] && e.end >= series.months[0]);
  return { series, experiments };
}

export function retrainActivity(deps: ActivityDeps) {
  return async function retrain({ runId }: { runId: string }) {
    return withStage(deps, runId, 'retrain', async () => {
      const { db } = deps.db;
      const { run, batchId, asOf, seed, scope } = await runContext(deps, runId);
      // A million touchpoints are read as the six columns the models use (engagement reads contact_id), not all eight.
      const rows = await loadSources(deps, batchId, ['accounts', 'opportunities', 'contracts', 'touchpoints', 'usage', 'spend', 'experiments'],
        { touchpoints: ['account_id', 'contact_id', 'channel', 'campaign_id', 'occurred_at', 'kind'], usage: ['account_id', 'month', 'active_users', 'usage_units'] }, scope);
      const rollup = await db.selectFrom('account_rollup').select(['account_id', 'top_parent_id']).where('run_id', '=', runId).execute();
      const topParent = new Map(rollup.map((r) => [r.account_id, r.top_parent_id]));
      const segmentOf = new Map(rows.accounts.map((a) => [a.account_id, a.segment as string]));
      const regionOf = new Map(rows.accounts.filter((a) => a.region !== null).map((a) => [a.account_id, a.region as string]));
      const policy = runAttributionPolicy(run);

      const { touches, closed } = knownBefore(rows, asOf);
      const contracts = rows.contracts.filter((c) => c.start_date < asOf);

      // The reported model also credits each of the last four half-years on its own: how stable the credit is over time.
      const attribution = attributeAcv(
        { touches, opportunities: closed, contracts, topParent, segmentOf, regionOf },
        { ...attributionOptions(policy.policy), models: PATH_MODELS, windows: stabilityWindows(asOf), windowModel: policy.policy.reportedModel },
      );
      const stability = attributionStability(attribution.windows);
      heartbeat({ fitted: 'attribution' });

      const { series, experiments } = incrementalityInputs({ touches, closed }, rows, run.month);
      // The credit shown beside what the spend caused is the agreement's reported model's.
      const reported = policy.policy.reportedModel;
      const attributedAcv = Object.fromEntries(Object.entries(attribution.new.models[reported]?.byChannel ?? {}).map(([c, v]) => [c, v.acv]));
      const mmmOptions: MmmOptions = { bootstrap: MMM_FIT_SETTINGS.bootstrap, seed: deriveSeed(seed, 'mmm'), attributedAcv };
      // With lift tests, the model is fitted without them first (one more bootstrap fit, ~2 s at 100k accounts) to judge each
      // test; a test that disagrees then decides its channel's estimate, and the run keeps what each test did (calibration).
      const mmm = fitIncrementality(series, mmmOptions, experiments);
      heartbeat({ fitted: 'incrementality' });

      const decisions = renewalDecisions(rows.contracts, rows.accounts, rows.usage, asOf);
      const renewal = fitRenewalModel(decisions);
      const active = activeContracts(rows.contracts, rows.accounts, rows.usage, asOf);
      const survival = survivalSummary(customerLifetimes(decisions, active, asOf), decisions);
      heartbeat({ fitted: 'renewal' });

      // Accounts to pursue: both models on the book as it was known before the as-of date, engagement under the run's agreement.
      const accounts = fitAccounts(accountBook(bookRowsBefore(rows, asOf)), asOf, policy.policy.engagement, touches, (fitted) => heartbeat({ fitted }));

      const { curves, ...survivalMetrics } = survival;
      const versions = [
        { family: 'attribution',
          params: { lookbackDays: policy.policy.lookbackDays, halfLifeDays: policy.policy.halfLifeDays, markovOrder: policy.policy.markovOrder,
            models: PATH_MODELS, reportedModel: reported, policy: { version: policy.version, sha256: policy.sha256, document: policy.policy } },
          metrics: { policy: policy.policyVersion, new: { deals: attribution.new.conversions, acv: attribution.new.acv, untouched: attribution.new.untouched },
            expansion: { deals: attribution.expansion.conversions, acv: attribution.expansion.acv, untouched: attribution.expansion.untouched },
            stability: { ...stability, model: policy.policy.reportedModel } } },
        mmm.fit
          ? { family: 'incrementality', params: storeMmm(mmm.fit),
            metrics: { months: mmm.fit.months.length, residualSd: mmm.fit.residualSd, bootstrap: mmm.fit.draws.length, channels: mmm.fit.channels,
              experiments: { used: experiments.length, ignored: rows.experiments.length - experiments.length }, calibration: mmm.calibration } }
          : { family: 'incrementality', params: { kind: 'unavailable', reason: mmm.reason } satisfies MmmUnavailable, metrics: { months: series.months.length } },
        { family: 'renewal', params: renewal, metrics: { decisions: decisions.length, renewed: decisions.filter((d) => d.renewed).length } },
        { family: 'survival', params: { lifetime: 'renewal chain, months from first start', groups: 'segment' }, metrics: survivalMetrics },
        mmm.fit
          ? { family: 'forecast', params: { kind: 'mmm', incrementality: modelVersionId(runId, 'incrementality'), horizon: BACKTEST_FORECAST_HORIZON },
            metrics: { residualSd: mmm.fit.residualSd } }
          : { family: 'forecast', params: { kind: 'unavailable', reason: mmm.reason }, metrics: {} },
        { family: 'accounts', params: accounts.params, metrics: { ...accounts.metrics, policy: policy.policyVersion } },
      ];
      // A version names the drop files it learned from by content hash, so it can be traced and reproduced.
      const trainingFiles = await db.selectFrom('ingest_files').select(['file', 'sha256']).where('batch_id', '=', batchId).orderBy('file').execute();
      await inLockedTransaction(deps, `retrain:${runId}`, async (client, tx) => {
        if (await runHasModelVersions(tx, runId)) return;
        await insertModelVersions(tx, versions.map((v) => ({
          model_version_id: modelVersionId(runId, v.family), run_id: runId, family: v.family, params: JSON.stringify(v.params),
          metrics: JSON.stringify(v.metrics), training_batch_id: batchId, code_version: deps.codeVersion, training_files: JSON.stringify(trainingFiles),
        })));
        const attributionVersion = modelVersionId(runId, 'attribution');
        await copyAttribution(client, attributionRows(runId, attributionVersion, attribution));
        await copyRemovalEffects(client, removalEffectRows(runId, attributionVersion, attribution));
        if (mmm.fit) await copyIncrementality(client, incrementalityRows(runId, modelVersionId(runId, 'incrementality'), mmm.fit));
        await copySurvivalCurves(client, survivalCurveRows(runId, modelVersionId(runId, 'survival'), curves));
      });
      const roiRank = mmm.fit ? [...mmm.fit.results].sort((a, b) => b.roi - a.roi).map((r) => r.channel).join(' > ') : `none: ${mmm.reason}`;
      return {
        summary: {
          wonDeals: attribution.new.conversions, newAcv: Math.round(attribution.new.acv), expansionAcv: Math.round(attribution.expansion.acv),
          renewalDecisions: decisions.length, renewalModel: renewal.kind, channelsByRoi: roiRank,
          attributionPolicy: policy.policyVersion, reportedAttribution: reported,
        },
        inputs: ['src_accounts', 'src_opportunities', 'src_contracts', 'src_touchpoints', 'src_usage', 'src_spend', 'src_experiments', 'account_rollup'].map((t) => pgDataset(deps.db.schema, t)),
        outputs: ['model_versions', 'attribution', 'attribution_removal_effects', 'incrementality', 'survival_curves'].map((t) => pgDataset(deps.db.schema, t,
          t === 'attribution' ? { acvloop_attribution_policy: { _producer: PRODUCER, _schemaURL: `${PRODUCER}/facets/attribution-policy.json`,
            version: policy.version, sha256: policy.sha256, reportedModel: reported } } : undefined)),
      };
    });
  };
}

/**
 * The media-mix fit with the lift tests (`fitWithLiftTests`) and what each
 * test did to it, or why there is none: a history shorter than the model
 * has parameters is a property of the drop, not a failure of the run, so the
 * cycle goes on with attribution, KPIs and renewals and says what it skipped
 * (no incrementality, forecast or budget this month).
 */
function fitIncrementality(series: MmmInput, options: MmmOptions, experiments: readonly MmmExperiment[]):
  ReturnType<typeof fitWithLiftTests> & { reason: null } | { fit: null; calibration: LiftTestCalibration[]; reason: string } {
  try {
    return { ...fitWithLiftTests(series, options, experiments), reason: null };
  } catch (err) {
    if (err instanceof MmmHistoryTooShort) return { fit: null, calibration: [], reason: `not enough history for the media-mix model: ${err.message}` };
    throw err;
  }
}
