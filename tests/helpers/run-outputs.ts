import type { Kysely } from 'kysely';
import type { Database } from '../../sql/database';

/** Everything a run publishes, without its run id: two runs of the same drop must match exactly. */
export async function outputsOf(q: Kysely<Database>, runId: string) {
  return {
    attribution: await q.selectFrom('attribution').select(['revenue', 'model', 'dimension', 'key', 'conversions', 'acv_usd']).where('run_id', '=', runId).orderBy(['revenue', 'model', 'dimension', 'key']).execute(),
    incrementality: await q.selectFrom('incrementality').select(['channel', 'incremental_acv', 'low', 'high', 'roi', 'mroi']).where('run_id', '=', runId).orderBy('channel').execute(),
    scores: await q.selectFrom('contract_scores').select(['contract_id', 'renewal_probability', 'ltv_mean', 'ltv_p10', 'ltv_p50', 'ltv_p90', 'projected_arr']).where('run_id', '=', runId).orderBy('contract_id').execute(),
    kpis: await q.selectFrom('kpis').select(['name', 'dimension', 'key', 'value']).where('run_id', '=', runId).orderBy(['name', 'dimension', 'key']).execute(),
    forecasts: await q.selectFrom('forecasts').select(['scenario', 'month', 'mean', 'lo95', 'hi95']).where('run_id', '=', runId).orderBy(['scenario', 'month']).execute(),
    forecastTotals: await q.selectFrom('forecast_totals').select(['scenario', 'horizon_months', 'mean', 'lo80', 'hi80']).where('run_id', '=', runId).orderBy(['scenario', 'horizon_months']).execute(),
    budget: await q.selectFrom('budget_recommendations').select(['channel', 'current', 'recommended', 'binding']).where('run_id', '=', runId).orderBy('channel').execute(),
    backtests: await q.selectFrom('backtests').select(['role', 'metric', 'value']).where('run_id', '=', runId).orderBy(['role', 'metric']).execute(),
    graphEdges: Number((await q.selectFrom('graph_edges').select((eb) => eb.fn.countAll<string>().as('n')).where('run_id', '=', runId).executeTakeFirstOrThrow()).n),
  };
}
