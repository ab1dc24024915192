import { budgetPolicyOf, type BudgetPolicy } from '../config/budget-policy';
import { DEFAULT_CONFIG, type AcvloopConfig } from '../config/schema';
import { marketingKpiReport, trailingKpiReport, type KpiThresholds } from '../models/kpi';
import { SCORED_FORECAST_HORIZONS, steadySpendForecast } from '../models/forecast';
import { optimizeBudget, recentSpend, type BudgetPlan } from '../models/budget';
import type { ChannelIdentifiability } from '../models/identifiability';
import { isMmmUnavailable, mmmIdentifiability, restoreMmm, type MmmFit, type MmmUnavailable, type StoredMmm } from '../models/mmm';
import { deriveSeed } from '../models/random';
import { inLockedTransaction } from '../store/transaction';
import { copyBudgetRecommendations, copyForecasts, copyForecastTotals, copyKpis, runIsScored } from '../store/scores';
import { shardIndices } from '../lib/shards';
import { scoredShards } from '../store/score-shards';
import { ActivityDeps, runContext, withStage } from './context';
import { kpiRows } from './kpi-rows';
import { loadSources } from './load';
import { scopeNote } from '../store/pilot-scope';
import { pgDataset } from '../lib/openlineage';
import { gatePromotions, servingVersion, type ServingVersion } from './registry';
import { planScores, scoreShard } from './score-shards';
import { scoreAccounts } from './score-accounts';
import { storeFinance } from './finance';

// The budget policy is config's (queries/ reads it too); re-exported for the stage's callers.
export { budgetPolicyOf, type BudgetPolicy };
/** The KPI bands of the run's config (`kpi.bands`); a run started before the key existed takes the defaults. */
export const kpiBandsOf = (config: Partial<AcvloopConfig> | null | undefined): KpiThresholds => ({ ...DEFAULT_CONFIG.kpi.bands, ...config?.kpi?.bands });

/**
 * Score: once every shard has scored its contracts (activities/score-shards.ts:
 * renewal probability conditioned on each contract's history, LTV
 * P10/P50/P90, projected ARR), the marketing KPIs, next month's
 * budget from the incrementality model's response curves within the
 * guardrails, and the forecast of new ACV under the as-is and recommended
 * spend, all from this run's model versions.
 */
export function scoreActivity(deps: ActivityDeps) {
  return async function score({ runId }: { runId: string }) {
    return withStage(deps, runId, 'score', async () => {
      const { db } = deps.db;
      const { run, batchId, asOf, seed, scope } = await runContext(deps, runId);
      const shards = await allShardsStored(deps, runId);
      // The workflow scores the accounts and the finance beside the shards; a run started before that (or this stage on its own) does it here.
      const accounts = await scoreAccounts(deps, runId);
      const finance = await storeFinance(deps, runId);
      const rows = await loadSources(deps, batchId, ['accounts', 'opportunities', 'contracts', 'spend'], undefined, scope);
      // Each family is served by this run's challenger if the gate let it through, else by the champion (or the baseline).
      const promote = await gatePromotions(deps, runId);
      const serving = {
        renewal: await servingVersion(deps, runId, 'renewal', promote),
        incrementality: await servingVersion(deps, runId, 'incrementality', promote),
        forecast: await servingVersion(deps, runId, 'forecast', promote),
      };

      // KPIs banded by the run's config, beside the same KPIs over the twelve months before the run's month.
      const kpiBands = kpiBandsOf(run.config as Partial<AcvloopConfig> | null);
      const spendToMonth = rows.spend.filter((s) => s.month <= run.month);
      const kpi = marketingKpiReport(rows.opportunities, rows.contracts, rows.accounts, spendToMonth, { asOf, thresholds: kpiBands });
      const kpiHistory = trailingKpiReport(rows.opportunities, rows.contracts, rows.accounts, spendToMonth, { asOf, thresholds: kpiBands, month: run.month });

      // Budget and forecast from the incrementality model of this run (none when its history was too short).
      const stored = serving.incrementality.params as StoredMmm | MmmUnavailable;
      const ownIncrementality = (await db.selectFrom('model_versions').select('params').where('run_id', '=', runId).where('family', '=', 'incrementality')
        .executeTakeFirst())?.params as StoredMmm | MmmUnavailable | undefined;
      const mmm = isMmmUnavailable(stored) ? null : restoreMmm(stored);
      const policy = budgetPolicyOf(run.config as Partial<AcvloopConfig> | null);
      const current = recentSpend(rows.spend, run.month, policy.recentMonths);
      // The serving model's flags, beside each budget line they held (an older champion's are assessed again).
      const identifiability = mmm ? mmmIdentifiability(mmm) : {};
      const budget = mmm ? proposeNextBudget(mmm, current, policy, identifiability) : null;
      const scenarios = mmm ? steadySpendForecast(mmm, {
        as_is: current,
        ...(budget ? { recommended: Object.fromEntries(budget.lines.map((l) => [l.channel, l.recommended])) } : {}),
      }, { horizons: SCORED_FORECAST_HORIZONS, seed: deriveSeed(seed, 'forecast') }) : [];
      const forecastRows = scenarios.flatMap((s) => s.path.map((p) => ({ scenario: s.scenario, month: p.month, mean: p.point,
        lo80: p.lower80, hi80: p.upper80, lo95: p.lower95, hi95: p.upper95 })));
      const totalRows = scenarios.flatMap((s) => s.totals.map((t) => ({ scenario: s.scenario, horizon_months: t.horizon, spend_usd: s.monthlySpend * t.horizon,
        mean: t.total.point, lo80: t.total.lower80, hi80: t.total.upper80, lo95: t.total.lower95, hi95: t.total.upper95 })));

      await inLockedTransaction(deps, `score:${runId}`, async (client, tx) => {
        if (await runIsScored(tx, runId)) return;
        await copyKpis(client, runId, kpiRows(kpi, kpiBands, kpiHistory));
        await copyForecasts(client, runId, serving.forecast.model_version_id, forecastRows);
        await copyForecastTotals(client, runId, serving.forecast.model_version_id, totalRows);
        if (budget) {
          await copyBudgetRecommendations(client, runId, budget.lines.map((b) => ({ channel: b.channel, current: b.current, recommended: b.recommended,
            binding: b.binding, detail: {
              changePct: b.changePct, expectedAcv: b.expectedAcv, acvP10: b.acvP10, acvP90: b.acvP90, marginalRoi: b.marginalRoi,
              lower: b.lower, upper: b.upper, policy, modelVersion: serving.incrementality.model_version_id,
              identifiability: identifiability[b.channel] ?? null,
            } })));
        }
      });
      return {
        summary: {
          contractsScored: shards.contracts,
          accountsScored: accounts.accounts,
          billed: Math.round(finance.billed),
          collected: Math.round(finance.collected),
          shards: shards.count,
          acvFromMarketingLeads: kpi.overall.acvPerMarketingLead === null ? null : Math.round(kpi.overall.acvPerMarketingLead),
          band: kpi.overall.band,
          budgetTotal: budget ? Math.round(budget.totalSpend) : 0,
          budgetExpectedAcv: budget ? Math.round(budget.expectedAcv) : 0,
          serving: Object.entries(serving).map(([f, v]) => `${f}=${v.source}`).join(', '),
          ...(scope ? { pilot: scopeNote(scope) } : {}),
          ...(isMmmUnavailable(stored) ? { skipped: `budget and forecast: ${skippedBecause(ownIncrementality, serving.incrementality)}` } : {}),
        },
        inputs: ['src_accounts', 'src_opportunities', 'src_contracts', 'src_usage', 'src_spend', 'src_touchpoints', 'src_invoices', 'account_rollup', 'model_versions', 'gate_verdicts', 'model_alias_events'].map((t) => pgDataset(deps.db.schema, t)),
        outputs: ['score_plans', 'score_shards', 'contract_scores', 'account_score_runs', 'account_scores', 'finance_runs', 'finance_leakage', 'finance_channel_margins', 'finance_time_to_value', 'kpis', 'forecasts', 'forecast_totals', 'budget_recommendations'].map((t) => pgDataset(deps.db.schema, t)),
      };
    });
  };
}

/**
 * Every shard of the run's plan stored, with the contracts they scored.
 * The workflow runs the shards before this stage; a run started before the
 * shards existed, or the stage called on its own, has no plan and is scored
 * here as one shard, and any shard not stored yet is scored here too (a
 * duplicate delivery of this stage may find the plan of the first before
 * its shard is stored: the shard's own lock keeps it stored once).
 */
async function allShardsStored(deps: ActivityDeps, runId: string): Promise<{ count: number; contracts: number }> {
  const { shards } = await planScores(deps, runId, 1);
  const stored = () => scoredShards(deps.db.db, runId);
  const have = await stored();
  for (const shard of shardIndices(shards)) if (!have.some((s) => s.shard === shard)) await scoreShard(deps, runId, shard, shards);
  return { count: shards, contracts: (await stored()).reduce((n, s) => n + s.contracts, 0) };
}

/**
 * The guardrailed budget over the channels the model knows, keeping this month's total; null with no spend to move.
 * `identifiability` is the model's flags, when the caller has them already.
 */
export function proposeNextBudget(mmm: MmmFit, current: Record<string, number>, policy: BudgetPolicy,
  identifiability: Record<string, ChannelIdentifiability> = mmmIdentifiability(mmm)): BudgetPlan | null {
  const channels = mmm.channels.filter((c) => (current[c] ?? 0) > 0);
  const total = channels.reduce((s, c) => s + current[c], 0);
  if (!channels.length || total <= 0) return null;
  return optimizeBudget(
    channels.map((channel) => {
      // One evaluation per spend gives the mean and every draw; the optimizer asks for them one at a time.
      const cache = new Map<number, { mean: number; draws: number[] }>();
      const at = (s: number) => {
        let r = cache.get(s);
        if (!r) cache.set(s, (r = mmm.response(channel, s)));
        return r;
      };
      return {
        channel, current: current[channel],
        response: (s: number) => at(s).mean,
        draws: Array.from({ length: mmm.draws.length }, (_, k) => (s: number) => at(s).draws[k]),
        // A model that cannot tell this channel's effect apart says so, and the budget does not act on it beyond a step.
        guardrails: { unidentified: !identifiability[channel].identified },
      };
    }),
    { budget: total, maxChange: policy.maxChange, uncertaintyPenalty: policy.uncertaintyPenalty, steps: policy.steps,
      unidentifiedMaxChange: policy.unidentifiedMaxChange, minConfidence: policy.minConfidence },
  );
}

/** Why a run has no budget or forecast: its own fit's reason first, then why no champion stood in. */
function skippedBecause(own: StoredMmm | MmmUnavailable | undefined, serving: ServingVersion): string {
  const servingReason = (serving.params as MmmUnavailable).reason;
  if (own && isMmmUnavailable(own)) return serving.source === 'challenger' ? own.reason : `${own.reason}; and ${serving.model_version_id} stands in: ${servingReason}`;
  return `this run's media-mix model did not pass the gate and ${serving.model_version_id} stands in: ${servingReason}`;
}
