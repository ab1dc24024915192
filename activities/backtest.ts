import { BACKTEST_FORECAST_HORIZON, backtestMmmForecast, rollingOriginBacktest, type BacktestResult } from '../models/forecast';
import { isMmmUnavailable, mmmObservedInput, type MmmInput, type MmmUnavailable, type StoredMmm } from '../models/mmm';
import { deriveSeed } from '../models/random';
import { eitherReads, renewalDecisions, usageReadBy } from '../models/renewal';
import { rollingRenewalBacktest } from '../models/renewal-backtest';
import { fitRenewalSpec, renewalSpecOf } from '../models/renewal-spec';
import { accountBook, type AccountBook } from '../models/accounts/book';
import { accountsSpecOf, backtestAccountsSpec, type ContenderSplit } from '../models/accounts/contenders';
import { engagementScores, type EngagementTouch } from '../models/accounts/engagement';
import { mqlLift, type LiftOpportunity } from '../models/accounts/mql-lift';
import { dayBefore } from '../models/accounts/outcomes';
import { shiftMonths } from '../lib/dates';
import { runAttributionPolicy } from './retrain';
import { accountsParamsOf, bookRowsBefore, engagementAtOf } from '../models/accounts/stored';
import type { EngagementAt } from '../models/accounts/training';
import type { EngagementPolicy, LoadedPolicy } from '../models/attribution-policy';
import { inLockedTransaction } from '../store/transaction';
import { insertBacktests } from '../store/backtests';
import { ActivityDeps, heartbeat, runContext, withStage } from './context';
import { loadSources } from './load';
import { aliasTarget, baselineVersionId, modelVersionId } from '../store/model-registry';
import { pgDataset } from '../lib/openlineage';

/** First backtest origin (months of training) and the bootstrap size of each backtest fit (intervals only). */
const BACKTEST_MIN_TRAIN = 24;
const BACKTEST_BOOTSTRAP = 40;
/** Renewal backtest: four quarterly origins over the last year. */
const RENEWAL_ORIGINS = 4;
const RENEWAL_HORIZON_MONTHS = 3;

/** What the champion is when no run has been approved yet: the registry's baselines (a trailing 6-month mean, the renewal rate by segment). */
export const BASELINE = {
  forecast: { id: baselineVersionId('forecast'), window: 6 }, renewal: { id: baselineVersionId('renewal') }, accounts: { id: baselineVersionId('accounts') },
} as const;

interface Metric { model_version_id: string; role: 'challenger' | 'champion'; metric: string; value: number | null; detail: unknown }

/** How a forecast contender is refitted at each origin: the media-mix model with its stored terms, or a trailing mean. */
type ForecastSpec = { kind: 'mmm'; trend: boolean; seasonality: 'month' | 'none' } | { kind: 'trailing_mean'; window: number };

/** The media-mix terms a stored fit was made with (earlier fits always had both). */
const mmmSpecOf = (stored: StoredMmm): ForecastSpec => ({ kind: 'mmm', trend: stored.trend ?? true, seasonality: stored.seasonality ?? 'month' });

/**
 * Said in every backtest row: challenger and champion alike were refitted from their specification at each
 * origin. A champion scored as stored would be tested on the history it was fitted on and win for that alone.
 */
const OUT_OF_SAMPLE = { refit: 'at each origin, on the data before it', outOfSample: true } as const;

/** Whether every origin learned only from data before the first it scored (the flag the registry and report show). */
const trainedBeforeScored = (windows: readonly { trainedThrough: string | null; firstScored: string | null }[]) =>
  windows.length > 0 && windows.every((w) => w.trainedThrough !== null && w.firstScored !== null && w.trainedThrough < w.firstScored) ? 1 : 0;

/**
 * Backtest: the run's challengers against the current champions on the same
 * history, each refitted from its specification at every origin on the data
 * before it (never a stored fit scored on what it learned from). Forecast:
 * rolling-origin (train before t, forecast t..t+h) MAPE and interval
 * coverage. Renewals: rolling origins each quarter of the last year (fit
 * before t, score the decisions of the next 3 months), pooled into Brier,
 * AUC and calibration by decile. Accounts: a time split, each contender
 * refitted on what was known at a cut (its win horizon, 6 months, and its
 * expansion horizon, 12, before the as-of date) and judged on what happened
 * after it: AUC, top-decile ACV lift, precision at the top decile,
 * calibration.
 */
export function backtestActivity(deps: ActivityDeps) {
  return async function backtest({ runId }: { runId: string }) {
    return withStage(deps, runId, 'backtest', async () => {
      const { db } = deps.db;
      const { run, batchId, asOf, seed, scope } = await runContext(deps, runId);
      // The account book's columns (models/accounts/book.ts) and the touches' that engagement reads.
      const rows = await loadSources(deps, batchId, ['accounts', 'contracts', 'usage', 'opportunities', 'touchpoints'], {
        usage: ['account_id', 'month', 'active_users', 'usage_units'], opportunities: ['account_id', 'created_at', 'closed_at', 'stage', 'amount_usd'],
        touchpoints: ['account_id', 'contact_id', 'channel', 'kind', 'occurred_at'] }, scope);
      const metrics: Metric[] = [];
      const storedMmm = async (versionId: string) => (await db.selectFrom('model_versions').select('params')
        .where('model_version_id', '=', versionId).executeTakeFirst())?.params as unknown as StoredMmm | MmmUnavailable | undefined;

      // Forecast: the monthly outcome the incrementality model explains (new opportunities), challenger
      // (this run's media-mix specification) against the champion's specification on the same origins.
      const stored = (await storedMmm(modelVersionId(runId, 'incrementality')))!;
      const champForecast = await aliasTarget(deps, 'forecast', 'champion');
      // A champion without a model (a run whose history was too short) is no contender: the baseline stands in.
      const champMmm = champForecast?.params.kind === 'mmm' ? await storedMmm(champForecast.params.incrementality) : undefined;
      const champSpec: ForecastSpec | null = !champForecast || champForecast.params.kind === 'unavailable' ? null
        : champForecast.params.kind === 'mmm' ? (champMmm && !isMmmUnavailable(champMmm) ? mmmSpecOf(champMmm) : null)
          : { kind: 'trailing_mean', window: champForecast.params.window ?? BASELINE.forecast.window };
      const forecastContenders = [
        { id: modelVersionId(runId, 'forecast'), role: 'challenger' as const, spec: isMmmUnavailable(stored) ? null : mmmSpecOf(stored) },
        { id: champSpec ? champForecast!.model_version_id : BASELINE.forecast.id, role: 'champion' as const,
          spec: champSpec ?? { kind: 'trailing_mean' as const, window: BASELINE.forecast.window } },
      ];
      const input = isMmmUnavailable(stored) ? null : mmmObservedInput(stored);
      const n = input?.months.length ?? 0;
      const minTrain = Math.max(BACKTEST_MIN_TRAIN, BASELINE.forecast.window + 1);
      for (const c of forecastContenders) {
        if (!input || !c.spec || n < minTrain + BACKTEST_FORECAST_HORIZON) {
          const reason = isMmmUnavailable(stored) ? stored.reason : `history of ${n} months is too short`;
          metrics.push({ model_version_id: c.id, role: c.role, metric: 'forecast_mape', value: null, detail: { reason } });
          continue;
        }
        const bt = backtestForecast(c.spec, input, { minTrain, seed: deriveSeed(seed, 'backtest') });
        const windows = bt.origins.map((o) => ({ trainedThrough: input.months[o.origin - 1], firstScored: input.months[o.origin] }));
        const detail = { kind: c.spec.kind, specification: c.spec, ...OUT_OF_SAMPLE, outcome: 'new opportunities per month', horizon: BACKTEST_FORECAST_HORIZON,
          origins: bt.origins.length, points: bt.points, windows };
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'forecast_mape', value: bt.mape, detail });
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'forecast_coverage80', value: bt.coverage80, detail });
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'forecast_coverage95', value: bt.coverage95, detail });
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'forecast_refit_out_of_sample', value: trainedBeforeScored(windows), detail });
        heartbeat({ backtested: c.role });
      }

      // Renewals: rolling origins over the last year (fit before t, score the decisions of t..t+3 months).
      // A decision's features are those at its own date, so one pass at asOf gives every origin's train and test.
      const champRenewal = await aliasTarget(deps, 'renewal', 'champion');
      const challengerRenewal = await db.selectFrom('model_versions').select('params')
        .where('model_version_id', '=', modelVersionId(runId, 'renewal')).executeTakeFirstOrThrow();
      // Only the usage measures the two contenders read are computed (the filtered trends are the costly ones).
      const decisions = renewalDecisions(rows.contracts, rows.accounts, rows.usage, asOf, {
        usage: eitherReads(usageReadBy(challengerRenewal.params), usageReadBy(champRenewal?.params ?? { kind: 'baseline_rate' })),
      });
      const renewalContenders = [
        { id: modelVersionId(runId, 'renewal'), role: 'challenger' as const, spec: renewalSpecOf(challengerRenewal.params) },
        { id: champRenewal?.model_version_id ?? BASELINE.renewal.id, role: 'champion' as const, spec: renewalSpecOf(champRenewal?.params ?? { kind: 'baseline_rate' }) },
      ];
      for (const c of renewalContenders) {
        const bt = rollingRenewalBacktest(decisions, { asOf, origins: RENEWAL_ORIGINS, horizonMonths: RENEWAL_HORIZON_MONTHS }, (train) => fitRenewalSpec(c.spec, train));
        const detail = { specification: c.spec, ...OUT_OF_SAMPLE, origins: bt.origins, horizonMonths: RENEWAL_HORIZON_MONTHS, tested: bt.tested,
          ...(bt.tested ? {} : { reason: 'no decisions to train or test on at any origin' }) };
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'renewal_brier', value: bt.brier, detail });
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'renewal_auc', value: bt.auc, detail });
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'renewal_calibration_gap', value: bt.calibration?.maxGap ?? null,
          detail: { ...detail, deciles: bt.calibration?.bins ?? [] } });
        const scored = bt.origins.filter((o) => o.brier !== null);
        metrics.push({ model_version_id: c.id, role: c.role, metric: 'renewal_refit_out_of_sample', value: scored.length ? trainedBeforeScored(scored) : null, detail });
        heartbeat({ backtested: `renewal ${c.role}` });
      }
      const touches = rows.touchpoints.filter((t) => t.occurred_at < asOf);
      metrics.push(...await accountsMetrics(deps, runId, accountBook(bookRowsBefore(rows, asOf)), asOf, touches));
      metrics.push(mqlHandoffMetric(runId, runAttributionPolicy(run), rows, asOf, touches));
      await inLockedTransaction(deps, `backtest:${runId}`, (_client, tx) =>
        insertBacktests(tx, metrics.map((m) => ({ run_id: runId, model_version_id: m.model_version_id, role: m.role, metric: m.metric, value: m.value,
          detail: JSON.stringify(m.detail) }))));
      const get = (role: string, metric: string) => metrics.find((m) => m.role === role && m.metric === metric)?.value ?? null;
      return {
        summary: {
          challengerMape: get('challenger', 'forecast_mape'), championMape: get('champion', 'forecast_mape'),
          challengerBrier: get('challenger', 'renewal_brier'), championBrier: get('champion', 'renewal_brier'),
          challengerAccountsAuc: get('challenger', 'accounts_win_auc'), championAccountsAuc: get('champion', 'accounts_win_auc'),
        },
        inputs: ['src_accounts', 'src_opportunities', 'src_contracts', 'src_usage', 'src_touchpoints', 'model_versions', 'model_alias_events'].map((t) => pgDataset(deps.db.schema, t)),
        outputs: [pgDataset(deps.db.schema, 'backtests')],
      };
    });
  };
}

/**
 * The accounts family's rows: the run's challenger and the champion (the
 * baseline's segment rates when none) on one time split ending at the as-of
 * date, each refitted from its specification at the cut.
 */
async function accountsMetrics(deps: ActivityDeps, runId: string, book: AccountBook, asOf: string, touches: readonly EngagementTouch[]): Promise<Metric[]> {
  const challenger = await deps.db.db.selectFrom('model_versions').select('params')
    .where('model_version_id', '=', modelVersionId(runId, 'accounts')).executeTakeFirstOrThrow();
  const champion = await aliasTarget(deps, 'accounts', 'champion');
  const contenders = [
    { id: modelVersionId(runId, 'accounts'), role: 'challenger' as const, spec: accountsSpecOf(accountsParamsOf(challenger.params)) },
    { id: champion?.model_version_id ?? BASELINE.accounts.id, role: 'champion' as const, spec: accountsSpecOf(accountsParamsOf(champion?.params ?? { kind: 'baseline_rate' })) },
  ];
  // Engagement under each policy a contender reads, computed once per policy and day.
  const byPolicy = new Map<string, EngagementAt>();
  const engagementAt = (policy: EngagementPolicy) => {
    const key = JSON.stringify(policy);
    if (!byPolicy.has(key)) byPolicy.set(key, engagementAtOf(touches, policy));
    return byPolicy.get(key)!;
  };
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  const out: Metric[] = [];
  for (const c of contenders) {
    const split = backtestAccountsSpec(book, asOf, c.spec, engagementAt, (cut) => heartbeat({ backtesting: `accounts ${c.role}`, cut }));
    const detail = (s: ContenderSplit, extra: object = {}) => ({ specification: c.spec, refit: 'at the cut, on the data before it', outOfSample: true,
      cut: s.asOf, judgedTo: s.judgedTo, accounts: s.accounts, positives: s.positives, ...extra });
    const win = detail(split.win, { liftTopDecile: finite(split.win.liftTopDecile), acvShareByDecile: split.win.acvShareByDecile.map(finite) });
    const row = (metric: string, value: number, d: object) => out.push({ model_version_id: c.id, role: c.role, metric, value: finite(value), detail: d });
    row('accounts_win_auc', split.win.auc, win);
    row('accounts_top_decile_lift', split.win.acvLiftTopDecile, win);
    row('accounts_precision_at_k', split.win.precisionAtTopDecile, win);
    row('accounts_calibration_gap', split.win.calibrationMaxGap, { ...win, deciles: split.win.calibration });
    row('accounts_expansion_auc', split.expansion.auc, detail(split.expansion, { acvLiftTopDecile: finite(split.expansion.acvLiftTopDecile) }));
    row('accounts_expansion_calibration_gap', split.expansion.calibrationMaxGap, detail(split.expansion, { deciles: split.expansion.calibration }));
    heartbeat({ backtested: `accounts ${c.role}` });
  }
  return out;
}

/** The hand-off is judged over this many months after a cut three months back (issue 16: MQLs open opportunities ≥ 3× as often). */
const MQL_HANDOFF_MONTHS = 3;

/**
 * The attribution agreement's MQL threshold judged on what happened next
 * (models/accounts/mql-lift.ts): at a cut three months before the as-of
 * date, the accounts then over the threshold under the run's agreement
 * against the others, by how often each opened an opportunity since. A
 * property of the agreement, not of a model: one row, the challenger's.
 */
function mqlHandoffMetric(
  runId: string, policy: LoadedPolicy, rows: { accounts: readonly { account_id: string; created_at: string }[]; opportunities: readonly LiftOpportunity[] },
  asOf: string, touches: readonly EngagementTouch[],
): Metric {
  const cut = shiftMonths(asOf, -MQL_HANDOFF_MONTHS);
  const scores = engagementScores(touches, policy.policy.engagement, dayBefore(cut)).accounts;
  const known = rows.accounts.filter((a) => a.created_at.slice(0, 10) < cut).map((a) => a.account_id);
  const lift = mqlLift(scores, policy.policy.engagement.mqlThreshold, known, rows.opportunities, cut, MQL_HANDOFF_MONTHS);
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return { model_version_id: modelVersionId(runId, 'accounts'), role: 'challenger', metric: 'accounts_mql_lift', value: finite(lift.lift),
    detail: { policy: policy.policyVersion, threshold: policy.policy.engagement.mqlThreshold, cut, months: MQL_HANDOFF_MONTHS,
      mqlAccounts: lift.mqlAccounts, others: lift.others, mqlRate: finite(lift.mqlRate), otherRate: finite(lift.otherRate) } };
}

/** The rolling-origin backtest of one forecast specification (each origin's fit sees only the months before it). */
function backtestForecast(spec: ForecastSpec, input: MmmInput, o: { minTrain: number; seed: number }): BacktestResult {
  return spec.kind === 'mmm'
    ? backtestMmmForecast(input, { minTrain: o.minTrain, horizon: BACKTEST_FORECAST_HORIZON,
      fit: { bootstrap: BACKTEST_BOOTSTRAP, seed: o.seed, trend: spec.trend, seasonality: spec.seasonality } })
    : rollingOriginBacktest(input.outcome, { minTrain: o.minTrain, horizon: BACKTEST_FORECAST_HORIZON, window: spec.window });
}
