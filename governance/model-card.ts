import type { Db } from '../sql/db';
import { coverageSentence, COVERAGE_TARGET, describeIncrementality, type ForecastCoverage, type IncrementalityCard } from '../models/mmm-card';
import { latestRunBacktesting } from '../store/runs';

/**
 * What `acvloop models show` and the report add to a media-mix version: its
 * model card (models/mmm-card.ts) and how the forecast made from the same
 * fit did in its own run's backtest, beside the target. Reads only.
 */
export interface VersionCoverage extends ForecastCoverage {
  /**
   * The forecast version backtested and the run whose backtest it is: the
   * version's own (as challenger), else the latest run that backtested it as
   * champion (a baseline is only ever backtested so).
   */
  forecastVersion: string;
  runId: string;
  role: 'challenger' | 'champion';
  /** An x% interval should hold x% of actual months. */
  target80: number;
  target95: number;
  sentence: string;
}

export interface VersionCard {
  /** The incrementality card: of an incrementality version, or of the fit a forecast version was made from. */
  card: IncrementalityCard | null;
  coverage: VersionCoverage | null;
}

interface ShownVersion { version: string; family: string; runId: string; params: unknown; metrics: unknown }

/** The card and forecast coverage of an incrementality or forecast version; nulls for any other family. */
export async function versionCard(handle: Db, v: ShownVersion): Promise<VersionCard> {
  const params = (v.params ?? {}) as Record<string, any>;
  let fit: { params: unknown; metrics: unknown } | null = null;
  let forecastVersion: string | null = null;
  if (v.family === 'incrementality') {
    fit = { params: v.params, metrics: v.metrics };
    // The forecast of the same run is made from this fit (its params name it).
    const forecasts = await handle.db.selectFrom('model_versions').select(['model_version_id', 'params'])
      .where('run_id', '=', v.runId).where('family', '=', 'forecast').execute();
    forecastVersion = (forecasts.find((f) => (f.params as any)?.incrementality === v.version) ?? forecasts[0])?.model_version_id ?? null;
  } else if (v.family === 'forecast') {
    forecastVersion = v.version;
    if (params.kind === 'mmm' && typeof params.incrementality === 'string') {
      const row = await handle.db.selectFrom('model_versions').select(['params', 'metrics']).where('model_version_id', '=', params.incrementality).executeTakeFirst();
      if (row) fit = { params: row.params, metrics: row.metrics };
    }
  } else return { card: null, coverage: null };
  const coverage = forecastVersion ? await forecastCoverage(handle, forecastVersion, v.runId) : null;
  return { card: fit ? describeIncrementality(fit.params, { metrics: fit.metrics, coverage }) : null, coverage };
}

/** The forecast's interval coverage in the backtest of `ownRun` (else of the latest run that backtested it), and the gate's floor that run was held to. */
async function forecastCoverage(handle: Db, forecastVersion: string, ownRun: string): Promise<VersionCoverage | null> {
  const rowsOf = (runId: string) => handle.db.selectFrom('backtests').select(['metric', 'value', 'detail', 'role'])
    .where('run_id', '=', runId).where('model_version_id', '=', forecastVersion)
    .where('metric', 'in', ['forecast_mape', 'forecast_coverage80', 'forecast_coverage95']).execute();
  let runId = ownRun;
  let rows = await rowsOf(runId);
  if (!rows.length) {
    const latest = await latestRunBacktesting(handle.db, forecastVersion, 'forecast_coverage80');
    if (!latest) return null;
    runId = latest;
    rows = await rowsOf(runId);
  }
  const get = (m: string) => rows.find((r) => r.metric === m);
  const detail = (get('forecast_coverage80') ?? get('forecast_mape'))!.detail as Record<string, any> | null;
  const verdict = await handle.db.selectFrom('gate_verdicts').select(['checks', 'thresholds']).where('run_id', '=', runId).executeTakeFirst();
  const check = ((verdict?.checks ?? []) as any[]).find((c) => c.family === 'forecast' && c.name === 'forecast_coverage80');
  const floor = check?.threshold ?? (verdict?.thresholds as any)?.forecastCoverage80Min;
  const num = (x: unknown) => (x === null || x === undefined || x === '' || !Number.isFinite(Number(x)) ? null : Number(x));
  const coverage: ForecastCoverage = {
    coverage80: num(get('forecast_coverage80')?.value), coverage95: num(get('forecast_coverage95')?.value), gateMin80: num(floor),
    points: num(detail?.points), origins: num(detail?.origins), horizon: num(detail?.horizon), reason: typeof detail?.reason === 'string' ? detail.reason : null,
  };
  const role = rows[0].role;
  const sentence = coverageSentence(coverage);
  return { ...coverage, forecastVersion, runId, role, target80: COVERAGE_TARGET.p80, target95: COVERAGE_TARGET.p95,
    sentence: runId === ownRun ? sentence : sentence.replace(/^Forecast backtest:/, `Forecast backtest (run ${runId}, as ${role}):`) };
}
