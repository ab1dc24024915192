import { SCORED_FORECAST_HORIZONS, steadySpendForecast } from '../../models/forecast';
import { isMmmUnavailable, restoreMmm, type MmmUnavailable, type StoredMmm } from '../../models/mmm';
import { deriveSeed } from '../../models/random';
import { runById } from '../../store/runs';
import { openDb } from '../env';
import { printJson, say, table } from '../output';
import { usd } from '../../lib/format';

export interface ForecastOptions { spend?: string; scale?: string; json?: boolean }

/**
 * `acvloop forecast RUN --spend ch=USD,… | --scale X`: new ACV over the next
 * 3, 6 and 12 months under a spend plan of the user's, beside the as-is and
 * recommended plans the run stored, from the run's own media-mix fit and
 * seed (so its as-is numbers are the stored ones).
 */
export async function forecastCommand(runId: string, opts: ForecastOptions): Promise<number> {
  const handle = await openDb();
  try {
    const { db } = handle;
    const run = await runById(db, runId);
    if (!run) throw new Error(`no run ${runId} in schema ${handle.schema}`);
    const version = await db.selectFrom('model_versions').select('params').where('run_id', '=', runId).where('family', '=', 'incrementality').executeTakeFirst();
    const budget = await db.selectFrom('budget_recommendations').select(['channel', 'current', 'recommended']).where('run_id', '=', runId).execute();
    if (!version) throw new Error(`run ${runId} has not been scored yet: its forecast needs the incrementality model and the budget`);
    const stored = version.params as unknown as StoredMmm | MmmUnavailable;
    if (isMmmUnavailable(stored)) throw new Error(`run ${runId} has no incrementality model to forecast with: ${stored.reason}`);
    const fit = restoreMmm(stored);

    const current = Object.fromEntries(budget.map((b) => [b.channel, b.current]));
    const recommended = Object.fromEntries(budget.map((b) => [b.channel, b.recommended]));
    const plans: Record<string, Record<string, number>> = { as_is: current, recommended };
    if (opts.spend !== undefined || opts.scale !== undefined) plans.user = userPlan(current, fit.channels, opts);

    const scenarios = steadySpendForecast(fit, plans, { horizons: SCORED_FORECAST_HORIZONS, seed: deriveSeed(Number(run.seed), 'forecast') });
    const report = scenarios.map((s) => ({
      scenario: s.scenario, monthlySpend: plans[s.scenario],
      totals: s.totals.map((t) => ({ horizon: t.horizon, spend: s.monthlySpend * t.horizon, ...t.total })),
      months: s.path,
    }));
    if (opts.json) printJson({ runId, scenarios: report });
    else {
      say(`New ACV forecast for run ${runId} (monthly spend held for 12 months)`);
      say(table(['scenario', 'months', 'spend', 'expected', '80% interval', '95% interval'], report.flatMap((r) => r.totals.map((t) => [
        r.scenario, t.horizon, usd(t.spend), usd(t.point), `${usd(t.lower80)} – ${usd(t.upper80)}`, `${usd(t.lower95)} – ${usd(t.upper95)}`]))));
    }
    return 0;
  } finally {
    await handle.close();
  }
}

/** The as-is plan with the user's changes: `--scale` multiplies every channel, `--spend ch=USD` sets one. */
export function userPlan(current: Record<string, number>, channels: readonly string[], opts: ForecastOptions): Record<string, number> {
  const plan: Record<string, number> = {};
  const scale = opts.scale === undefined ? 1 : Number(opts.scale);
  if (!(scale >= 0) || !Number.isFinite(scale)) throw new Error(`--scale must be a number >= 0, got "${opts.scale}"`);
  for (const c of channels) plan[c] = (current[c] ?? 0) * scale;
  for (const part of (opts.spend ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=]+)=(.+)$/.exec(part);
    const amount = m ? Number(m[2]) : NaN;
    if (!m || !(amount >= 0) || !Number.isFinite(amount)) throw new Error(`--spend: "${part}" is not CHANNEL=USD with USD >= 0`);
    const channel = m[1].trim();
    if (!channels.includes(channel)) throw new Error(`--spend: the run's model has no channel "${channel}" (it has ${channels.join(', ')})`);
    plan[channel] = amount;
  }
  return plan;
}
