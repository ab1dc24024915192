import { DEFAULT_KPI_THRESHOLDS, marketingKpis, type KpiSet } from '../models/kpi';
import { forecastMonthly, monthlyWonAcv } from '../models/forecast';
import { contractLtv, costRatioBySegment, renewalUplift } from '../models/ltv';
import { recentSpend, proposeBudget } from '../models/budget';
import { activeContracts, predictRenewal, type RenewalModel } from '../models/renewal';
import { deriveSeed } from '../models/random';
import { copyRows } from '../sql/copy';
import { ActivityDeps, inLockedTransaction, runContext, heartbeat, withStage } from './context';
import { contractsWithSegment } from './cycle-data';
import { loadSources } from './load';
import { pgDataset } from './lineage-event';
import { modelVersionId } from './retrain';

/** The attribution model whose credit drives the first-cut budget ROI. */
export const BUDGET_ROI_MODEL = 'linear';
export const BUDGET_MAX_CHANGE = 0.2;

/**
 * Score: every active contract (renewal probability, LTV P10/P50/P90,
 * projected ARR), the marketing KPIs, the forecast of new ACV and next
 * month's budget proposal, from this run's model versions.
 */
export function scoreActivity(deps: ActivityDeps) {
  return async function score({ runId }: { runId: string }) {
    return withStage(deps, runId, 'score', async () => {
      const { db } = deps.db;
      const { run, batchId, asOf, seed } = await runContext(deps, runId);
      const rows = await loadSources(deps, batchId, ['accounts', 'opportunities', 'contracts', 'usage', 'spend']);
      const versions = await db.selectFrom('model_versions').select(['family', 'params', 'model_version_id']).where('run_id', '=', runId).execute();
      const params = (family: string) => {
        const v = versions.find((x) => x.family === family);
        if (!v) throw new Error(`run ${runId} has no ${family} model version: retrain did not finish`);
        return v.params as any;
      };

      // Contracts: renewal probability from the renewal model, then LTV conditioned on the contract being alive now.
      const renewal = params('renewal') as RenewalModel;
      const active = activeContracts(rows.contracts, rows.accounts, rows.usage, asOf);
      const withSegment = contractsWithSegment(rows);
      const byId = new Map(withSegment.map((c) => [c.contract_id, c]));
      const uplift = renewalUplift(rows.contracts);
      const costRatios = costRatioBySegment(withSegment);
      const scores = active.map((a, i) => {
        const c = byId.get(a.contract_id)!;
        const p = predictRenewal(renewal, a);
        const ltv = contractLtv(
          { contract_id: c.contract_id, segment: c.segment, acv_usd: c.acv_usd, end_date: c.end_date, term_months: c.term_months,
            cost_to_serve_annual_usd: c.cost_to_serve_annual_usd, p_renew: p },
          { asOf, seed: deriveSeed(seed, c.contract_id), expansionRate: uplift.n ? uplift.mean : 0, costRatioBySegment: costRatios },
        );
        if (i % 500 === 0) heartbeat({ scored: i });
        return { contract_id: c.contract_id, account_id: c.account_id, renewal_probability: p, ltv_mean: ltv.expected,
          ltv_p10: ltv.p10, ltv_p50: ltv.p50, ltv_p90: ltv.p90, projected_arr: ltv.projectedArr12m };
      });

      // KPIs, overall and by segment and region of the top parent.
      const kpi = marketingKpis(rows.opportunities, rows.contracts, rows.accounts, DEFAULT_KPI_THRESHOLDS);
      const kpiRows: { name: string; dimension: string; key: string; value: number | null; detail: unknown }[] = [];
      const pushSet = (dimension: string, key: string, s: KpiSet) => {
        kpiRows.push({ name: 'acv_from_marketing_leads', dimension, key, value: s.acvPerMarketingLead,
          detail: { band: s.band, marketingLeads: s.marketingLeads, marketingAcv: s.marketingAcv, thresholds: DEFAULT_KPI_THRESHOLDS } });
        kpiRows.push({ name: 'acv_per_marketing_won_deal', dimension, key, value: s.acvPerMarketingWonDeal, detail: { marketingWonDeals: s.marketingWonDeals } });
        for (const [source, w] of Object.entries(s.winRateByLeadSource)) {
          kpiRows.push({ name: 'win_rate_by_lead_source', dimension: dimension === 'all' ? 'lead_source' : `${dimension}/lead_source`,
            key: dimension === 'all' ? source : `${key}/${source}`, value: w.winRate, detail: w });
        }
      };
      pushSet('all', 'all', kpi.overall);
      for (const [k, s] of Object.entries(kpi.bySegment)) pushSet('segment', k, s);
      for (const [k, s] of Object.entries(kpi.byRegion)) pushSet('region', k, s);

      // Forecast of monthly new won ACV, as-is.
      const fparams = params('forecast');
      const series = monthlyWonAcv(rows.opportunities, { to: run.month });
      const fc = forecastMonthly(series, { window: fparams.window, horizons: [3, 6, 12] });
      const forecastRows = fc.path.map((p, i) => ({ scenario: 'as_is', month: fc.months[i], mean: p.point,
        lo80: p.lower80, hi80: p.upper80, lo95: p.lower95, hi95: p.upper95 }));

      // Budget: attributed ACV per dollar over the drop's window, shifted within ±20% per channel.
      const credit = await db.selectFrom('attribution').select(['key', 'acv_usd'])
        .where('run_id', '=', runId).where('model', '=', BUDGET_ROI_MODEL).where('dimension', '=', 'channel').execute();
      const creditBy = new Map(credit.map((c) => [c.key, c.acv_usd]));
      const spendTotal = new Map<string, number>();
      for (const s of rows.spend) spendTotal.set(s.channel, (spendTotal.get(s.channel) ?? 0) + s.amount_usd);
      const current = recentSpend(rows.spend, run.month, 3);
      const budget = proposeBudget(
        Object.entries(current).map(([channel, cur]) => ({
          channel, current: cur, roi: (spendTotal.get(channel) ?? 0) > 0 ? (creditBy.get(channel) ?? 0) / spendTotal.get(channel)! : 0,
        })),
        { maxChange: BUDGET_MAX_CHANGE },
      );
      await inLockedTransaction(deps, `score:${runId}`, async (client) => {
        const done = await client.query('select 1 from kpis where run_id = $1 limit 1', [runId]);
        if (!done.rowCount) {
          const mv = modelVersionId(runId, 'renewal');
          const sc = ['contract_id', 'account_id', 'renewal_probability', 'ltv_mean', 'ltv_p10', 'ltv_p50', 'ltv_p90', 'projected_arr'] as const;
          await copyRows(client, 'contract_scores', ['run_id', 'model_version_id', ...sc], scores, (s) => [runId, mv, ...sc.map((c) => s[c])]);
          await copyRows(client, 'kpis', ['run_id', 'name', 'dimension', 'key', 'value', 'detail'], kpiRows,
            (k) => [runId, k.name, k.dimension, k.key, k.value, JSON.stringify(k.detail)]);
          const fmv = modelVersionId(runId, 'forecast');
          await copyRows(client, 'forecasts', ['run_id', 'model_version_id', 'scenario', 'month', 'mean', 'lo80', 'hi80', 'lo95', 'hi95'], forecastRows,
            (f) => [runId, fmv, f.scenario, f.month, f.mean, f.lo80, f.hi80, f.lo95, f.hi95]);
          await copyRows(client, 'budget_recommendations', ['run_id', 'channel', 'current', 'recommended', 'binding', 'detail'], budget.lines,
            (b) => [runId, b.channel, b.current, b.recommended, b.binding, JSON.stringify({ roi: b.roi, min: b.min, max: b.max, roiModel: BUDGET_ROI_MODEL })]);
        }
      });
      return {
        summary: {
          contractsScored: scores.length,
          acvFromMarketingLeads: kpi.overall.acvPerMarketingLead === null ? null : Math.round(kpi.overall.acvPerMarketingLead),
          band: kpi.overall.band,
          budgetTotal: Math.round(budget.total),
        },
        inputs: ['src_accounts', 'src_opportunities', 'src_contracts', 'src_usage', 'src_spend', 'model_versions', 'attribution'].map((t) => pgDataset(deps.db.schema, t)),
        outputs: ['contract_scores', 'kpis', 'forecasts', 'budget_recommendations'].map((t) => pgDataset(deps.db.schema, t)),
      };
    });
  };
}
