/**
 * New won ACV by month and a trailing-mean forecast (first cut).
 *
 * The point forecast of every future month is the mean of the last k months.
 * Its uncertainty comes from the in-sample one-step-ahead residuals of the
 * same rule, e_t = y_t − mean(y_{t−k} … y_{t−1}), assumed normal, independent
 * and centred: σ = √(Σ e_t² / count). A single future month gets
 * point ± z σ; the total of the next h months gets h·point ± z σ √h.
 * Lower bounds are clipped at 0 because ACV cannot be negative.
 */
import { monthFromIndex, monthIndex, monthOf } from './dates';

const Z80 = 1.2815515655446004;
const Z95 = 1.959963984540054;

export interface WonAcvOpportunity {
  stage: 'open' | 'won' | 'lost';
  closed_at: string | null;
  amount_usd: number;
}

export interface MonthValue {
  month: string;
  acv: number;
}

/**
 * Monthly new won ACV (sum of amount_usd of won opportunities by closed month),
 * with every month between the first and last (or `from`/`to`) present, 0 when none.
 *
 * @example
 * monthlyWonAcv([
 *   { stage: 'won', closed_at: '2024-01-15', amount_usd: 100 },
 *   { stage: 'won', closed_at: '2024-03-02', amount_usd: 50 },
 *   { stage: 'lost', closed_at: '2024-02-01', amount_usd: 999 },
 * ]); // [{ month: '2024-01', acv: 100 }, { month: '2024-02', acv: 0 }, { month: '2024-03', acv: 50 }]
 */
export function monthlyWonAcv(
  opportunities: readonly WonAcvOpportunity[],
  range: { from?: string; to?: string } = {},
): MonthValue[] {
  const byMonth = new Map<number, number>();
  let lo = range.from ? monthIndex(range.from) : Infinity;
  let hi = range.to ? monthIndex(range.to) : -Infinity;
  for (const o of opportunities) {
    if (o.stage !== 'won' || o.closed_at === null) continue;
    const m = monthIndex(monthOf(o.closed_at));
    byMonth.set(m, (byMonth.get(m) ?? 0) + o.amount_usd);
    if (!range.from) lo = Math.min(lo, m);
    if (!range.to) hi = Math.max(hi, m);
  }
  const out: MonthValue[] = [];
  for (let m = lo; m <= hi; m++) out.push({ month: monthFromIndex(m), acv: byMonth.get(m) ?? 0 });
  return out;
}

export interface ForecastOptions {
  /** Trailing window k. Default 6. */
  window?: number;
  /** Horizons in months. Default [3, 6, 12]. */
  horizons?: readonly number[];
}

export interface Interval {
  point: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

export interface HorizonForecast {
  horizon: number;
  /** The single month `horizon` months ahead. */
  month: Interval;
  /** The total of the next `horizon` months. */
  total: Interval;
}

export interface TrailingMeanForecast {
  window: number;
  point: number;
  residualSd: number;
  residualCount: number;
  /** One per month ahead, 1 … max horizon. */
  path: Interval[];
  horizons: HorizonForecast[];
}

function interval(point: number, sd: number): Interval {
  return {
    point,
    lower80: Math.max(0, point - Z80 * sd),
    upper80: point + Z80 * sd,
    lower95: Math.max(0, point - Z95 * sd),
    upper95: point + Z95 * sd,
  };
}

/**
 * Trailing-mean forecast with normal-residual 80% / 95% intervals. Needs at
 * least window + 1 observations (one residual).
 *
 * @example
 * const f = trailingMeanForecast([10, 20, 30, 40], { window: 2, horizons: [1] });
 * f.point;      // 35
 * f.residualSd; // 15 (residuals 15 and 15)
 */
export function trailingMeanForecast(values: readonly number[], options: ForecastOptions = {}): TrailingMeanForecast {
  const k = options.window ?? 6;
  const horizons = options.horizons ?? [3, 6, 12];
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`window must be a positive integer, got ${k}`);
  if (values.length < k + 1) {
    throw new RangeError(`trailing-mean forecast needs at least ${k + 1} months (window ${k} + 1 residual), got ${values.length}`);
  }
  for (const h of horizons) if (!Number.isInteger(h) || h < 1) throw new RangeError(`horizon must be a positive integer, got ${h}`);
  let windowSum = 0;
  for (let t = 0; t < k; t++) windowSum += values[t];
  let sq = 0;
  let count = 0;
  for (let t = k; t < values.length; t++) {
    const e = values[t] - windowSum / k;
    sq += e * e;
    count++;
    windowSum += values[t] - values[t - k];
  }
  const point = windowSum / k;
  const sd = Math.sqrt(sq / count);
  const maxH = Math.max(0, ...horizons);
  const path = Array.from({ length: maxH }, () => interval(point, sd));
  return {
    window: k,
    point,
    residualSd: sd,
    residualCount: count,
    path,
    horizons: horizons.map((h) => ({ horizon: h, month: interval(point, sd), total: interval(point * h, sd * Math.sqrt(h)) })),
  };
}

/**
 * Forecast a month series and label the forecast months.
 *
 * @example
 * forecastMonthly([{ month: '2024-01', acv: 1 }, { month: '2024-02', acv: 3 }], { window: 1, horizons: [1] }).months; // ['2024-03']
 */
export function forecastMonthly(
  series: readonly MonthValue[],
  options: ForecastOptions = {},
): TrailingMeanForecast & { months: string[] } {
  const f = trailingMeanForecast(series.map((s) => s.acv), options);
  const last = series.length ? monthIndex(series[series.length - 1].month) : 0;
  return { ...f, months: f.path.map((_, i) => monthFromIndex(last + i + 1)) };
}

export interface BacktestOptions {
  /** First origin: forecasts are made from series[0 … origin). Must be >= window + 1. */
  minTrain: number;
  /** Months ahead scored from each origin. */
  horizon: number;
  window?: number;
}

export interface BacktestPoint {
  step: number;
  actual: number;
  forecast: number;
  error: number;
  /** |error| / actual; null when actual is 0. */
  ape: number | null;
  in80: boolean;
  in95: boolean;
}

export interface BacktestOrigin {
  origin: number;
  points: BacktestPoint[];
  mae: number;
  mape: number | null;
}

export interface BacktestResult {
  origins: BacktestOrigin[];
  mae: number;
  rmse: number;
  /** Mean APE over every scored point with a non-zero actual; null when none. */
  mape: number | null;
  coverage80: number;
  coverage95: number;
  points: number;
}

const meanOrNull = (xs: number[]): number | null => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);

/**
 * Rolling-origin backtest of the trailing-mean forecast: for each origin from
 * `minTrain` to `length − horizon`, fit on the months before it and score the
 * next `horizon` months (monthly intervals).
 *
 * @example
 * const bt = rollingOriginBacktest([10, 12, 11, 13, 12, 14, 13, 15], { minTrain: 4, horizon: 2, window: 2 });
 * bt.origins.length; // 3 (origins 4, 5, 6)
 */
export function rollingOriginBacktest(series: readonly number[], options: BacktestOptions): BacktestResult {
  const window = options.window ?? 6;
  const { minTrain, horizon } = options;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be a positive integer, got ${horizon}`);
  if (!Number.isInteger(minTrain) || minTrain < window + 1) {
    throw new RangeError(`minTrain must be an integer >= window + 1 = ${window + 1}, got ${minTrain}`);
  }
  if (series.length < minTrain + horizon) {
    throw new RangeError(`series of ${series.length} months is shorter than minTrain + horizon = ${minTrain + horizon}`);
  }
  const origins: BacktestOrigin[] = [];
  const all: BacktestPoint[] = [];
  for (let origin = minTrain; origin + horizon <= series.length; origin++) {
    const f = trailingMeanForecast(series.slice(0, origin), { window, horizons: [horizon] });
    const points: BacktestPoint[] = [];
    for (let step = 1; step <= horizon; step++) {
      const actual = series[origin + step - 1];
      const iv = f.path[step - 1];
      const error = actual - iv.point;
      points.push({
        step,
        actual,
        forecast: iv.point,
        error,
        ape: actual === 0 ? null : Math.abs(error) / Math.abs(actual),
        in80: actual >= iv.lower80 && actual <= iv.upper80,
        in95: actual >= iv.lower95 && actual <= iv.upper95,
      });
    }
    all.push(...points);
    origins.push({
      origin,
      points,
      mae: points.reduce((s, p) => s + Math.abs(p.error), 0) / points.length,
      mape: meanOrNull(points.flatMap((p) => (p.ape === null ? [] : [p.ape]))),
    });
  }
  const n = all.length;
  return {
    origins,
    mae: all.reduce((s, p) => s + Math.abs(p.error), 0) / n,
    rmse: Math.sqrt(all.reduce((s, p) => s + p.error * p.error, 0) / n),
    mape: meanOrNull(all.flatMap((p) => (p.ape === null ? [] : [p.ape]))),
    coverage80: all.filter((p) => p.in80).length / n,
    coverage95: all.filter((p) => p.in95).length / n,
    points: n,
  };
}
