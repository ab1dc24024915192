/**
 * The trailing-mean forecast: the baseline champion the media-mix forecast is
 * backtested against.
 *
 * The point forecast of every future month is the mean of the last k months.
 * Its uncertainty comes from the in-sample one-step-ahead residuals of the
 * same rule, e_t = y_t − mean(y_{t−k} … y_{t−1}), assumed normal, independent
 * and centred: σ = √(Σ e_t² / count). A single future month gets
 * point ± z σ; the total of the next h months gets h·point ± z σ √h.
 * Lower bounds are clipped at 0 because ACV cannot be negative.
 *
 * Below that: `forecastScenarios` and `backtestMmmForecast`, the forecast of
 * new ACV under spend scenarios from the media-mix model (models/mmm/).
 */
import { fitMmm, predictMmm } from './mmm';
import type { MmmFit, MmmInput, MmmOptions, SpendPlan } from './mmm';
import { Z_AT_0_90, Z_AT_0_975 } from './normal';
import { createRng, deriveSeed } from './random';

/** Months ahead the score stage (and `acvloop forecast`) forecasts new ACV under steady spend. */
export const SCORED_FORECAST_HORIZONS = [3, 6, 12] as const;
/** Months ahead each backtest origin forecasts: the horizon the gate's forecast metrics are measured at, stored as the forecast version's `horizon`. */
export const BACKTEST_FORECAST_HORIZON = 3;


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
    lower80: Math.max(0, point - Z_AT_0_90 * sd),
    upper80: point + Z_AT_0_90 * sd,
    lower95: Math.max(0, point - Z_AT_0_975 * sd),
    upper95: point + Z_AT_0_975 * sd,
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

/** One scored month of a backtest: the actual against the forecast's point and intervals. */
function backtestPoint(step: number, actual: number, iv: Interval): BacktestPoint {
  const error = actual - iv.point;
  return {
    step,
    actual,
    forecast: iv.point,
    error,
    ape: actual === 0 ? null : Math.abs(error) / Math.abs(actual),
    in80: actual >= iv.lower80 && actual <= iv.upper80,
    in95: actual >= iv.lower95 && actual <= iv.upper95,
  };
}

function backtestOrigin(origin: number, points: BacktestPoint[]): BacktestOrigin {
  return {
    origin,
    points,
    mae: points.reduce((s, p) => s + Math.abs(p.error), 0) / points.length,
    mape: meanOrNull(points.flatMap((p) => (p.ape === null ? [] : [p.ape]))),
  };
}

/** Errors and interval coverage over every scored month of every origin. */
function backtestSummary(origins: BacktestOrigin[]): BacktestResult {
  const all = origins.flatMap((o) => o.points);
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
  for (let origin = minTrain; origin + horizon <= series.length; origin++) {
    const f = trailingMeanForecast(series.slice(0, origin), { window, horizons: [horizon] });
    origins.push(backtestOrigin(origin, f.path.slice(0, horizon).map((iv, k) => backtestPoint(k + 1, series[origin + k], iv))));
  }
  return backtestSummary(origins);
}

// ---------------------------------------------------------------------------
// Forecasts from the media-mix model under spend scenarios.

export interface ScenarioOptions {
  /** Horizons whose totals are reported. Default [3, 6, 12]; the path runs to the largest. */
  horizons?: readonly number[];
  /** Scenario name -> spend plan (USD per channel per future month), e.g. as_is, recommended, a user's. */
  scenarios: Readonly<Record<string, SpendPlan>>;
  /** Residual-noise draws per parameter draw. Default 20. */
  noiseDraws?: number;
  seed?: number;
}

export interface ScenarioMonth extends Interval {
  month: string;
}

export interface ScenarioForecast {
  scenario: string;
  /** New ACV per month (point = the point fit's prediction = the median its intervals are centred on). */
  path: ScenarioMonth[];
  /** New ACV summed over the first h months. */
  totals: { horizon: number; total: Interval }[];
}

/** Quantile of a sorted array by linear interpolation (type 7). */
function sortedQuantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The point fit's value with the 80% / 95% intervals of its simulations,
 * shifted so the simulations' median sits on the point (the convention of
 * the incrementality quantiles in mmm/results.ts). Why shifted: every bootstrap
 * replicate refits data simulated from the ridge-shrunk point fit and
 * re-chooses its decay and saturation from the grid, so the replicates carry
 * the shrinkage twice and are centred away from the point, the further the
 * further a plan moves from the spend the model saw: unshifted, the 80%
 * interval ended below the point at 10× the as-is spend (the issue's run)
 * and above it at no spend (tests/models/forecast-intervals.test.ts). The
 * point fit is the estimate and the replicates its spread; shifted, the
 * point lies inside every interval by construction, and the point the
 * backtest scores is unchanged. The median is what is matched, not the
 * mean: the intervals are quantiles, and only a median is sure to lie
 * inside them.
 * ACV cannot be negative: every number is floored at 0.
 */
function intervalOf(point: number, draws: number[]): Interval {
  const floored = Math.max(0, point);
  if (!draws.length) return { point: floored, lower80: floored, upper80: floored, lower95: floored, upper95: floored };
  const s = draws.sort((a, b) => a - b);
  const shift = point - sortedQuantile(s, 0.5);
  const at = (q: number) => Math.max(0, sortedQuantile(s, q) + shift);
  return { point: floored, lower80: at(0.1), upper80: at(0.9), lower95: at(0.025), upper95: at(0.975) };
}

/**
 * Simulated future outcomes (in ACV) of a fit under one plan: for every
 * bootstrap draw of the coefficients (parameter uncertainty) `noiseDraws`
 * paths of residual noise, resampled from the fit's residuals month by month
 * and valued at the average ACV per outcome unit of the prediction.
 */
function simulate(fit: MmmFit, plan: SpendPlan, horizon: number, noiseDraws: number, seed: number): { point: number[]; sims: number[][] } {
  const point = predictMmm(fit, plan, horizon);
  const value = point.acv.map((a, h) => (point.units[h] !== 0 ? a / point.units[h] : fit.baselineUnitValue));
  const rng = createRng(deriveSeed(seed, 'mmm-forecast'));
  const coefs = fit.draws.length ? fit.draws : [fit.coef];
  const res = fit.residuals;
  // Residuals of a fit are shrunk toward 0 by the fitted degrees of freedom; inflate to the unbiased sd.
  const rms = Math.sqrt(res.reduce((s, r) => s + r * r, 0) / res.length);
  const inflate = rms > 0 ? fit.residualSd / rms : 1;
  const sims: number[][] = [];
  for (const coef of coefs) {
    const p = fit.draws.length ? predictMmm(fit, plan, horizon, coef) : point;
    for (let k = 0; k < noiseDraws; k++) {
      sims.push(p.acv.map((a, h) => a + res[rng.int(0, res.length - 1)] * inflate * value[h]));
    }
  }
  return { point: point.acv, sims };
}

/**
 * Monthly new ACV for the months after the fitted window under each spend
 * scenario, with 80% and 95% intervals from the bootstrap fits (parameter
 * uncertainty) plus resampled residuals (month-to-month noise), and totals
 * over the first 3, 6, 12 months. The point is the point fit's prediction and
 * the median of its simulations, which are shifted onto it (see `intervalOf`),
 * so lower95 ≤ lower80 ≤ point ≤ upper80 ≤ upper95 for every month, total and
 * plan; everything is floored at 0.
 *
 * @example
 * const f = forecastScenarios(fit, { scenarios: { as_is: { spend: { webinar: Array(12).fill(20_000) } } } });
 * f[0].totals.find((t) => t.horizon === 3)!.total.upper95;
 */
export function forecastScenarios(fit: MmmFit, options: ScenarioOptions): ScenarioForecast[] {
  const horizons = options.horizons ?? [3, 6, 12];
  for (const h of horizons) if (!Number.isInteger(h) || h < 1) throw new RangeError(`horizon must be a positive integer, got ${h}`);
  const maxH = Math.max(...horizons);
  const noiseDraws = options.noiseDraws ?? 20;
  return Object.entries(options.scenarios).map(([scenario, plan]) => {
    const { point, sims } = simulate(fit, plan, maxH, noiseDraws, options.seed ?? 1);
    const months = predictMmm(fit, plan, maxH).months;
    const path = point.map((pt, h) => ({ month: months[h], ...intervalOf(pt, sims.map((s) => s[h])) }));
    const totals = horizons.map((horizon) => {
      const sumTo = (xs: readonly number[]) => xs.slice(0, horizon).reduce((s, x) => s + x, 0);
      return { horizon, total: intervalOf(sumTo(point), sims.map(sumTo)) };
    });
    return { scenario, path, totals };
  });
}

/** One scenario of `steadySpendForecast`: its forecast and the monthly spend it holds. */
export interface SteadySpendForecast extends ScenarioForecast {
  monthlySpend: number;
}

/**
 * Forecasts under spend held steady: each plan gives a monthly spend per
 * channel (channels it leaves out spend nothing), kept for the longest
 * horizon. What the cycle stores (as-is, recommended) and what `acvloop
 * forecast` adds a user's plan to, from the same fit and seed.
 *
 * @example
 * steadySpendForecast(fit, { as_is: { webinar: 20_000 } }, { horizons: [3, 12], seed: 7 })[0].totals[1].total.point;
 */
export function steadySpendForecast(
  fit: MmmFit,
  plans: Readonly<Record<string, Readonly<Record<string, number>>>>,
  options: { horizons: readonly number[]; seed: number },
): SteadySpendForecast[] {
  const months = Math.max(...options.horizons);
  const scenarios = forecastScenarios(fit, {
    horizons: options.horizons,
    scenarios: Object.fromEntries(Object.entries(plans).map(([name, perChannel]) =>
      [name, { spend: Object.fromEntries(fit.channels.map((c) => [c, Array<number>(months).fill(perChannel[c] ?? 0)])) }])),
    seed: options.seed,
  });
  return scenarios.map((s) => ({ ...s, monthlySpend: fit.channels.reduce((sum, c) => sum + (plans[s.scenario][c] ?? 0), 0) }));
}

export interface MmmBacktestOptions {
  /** First origin: the model is fitted on months [0, origin). */
  minTrain: number;
  horizon: number;
  /** Options of every fit (bootstrap count, grid, seed). */
  fit?: MmmOptions;
  noiseDraws?: number;
}

/**
 * Rolling-origin backtest of the MMM forecast on the outcome scale of the
 * input: for each origin t from `minTrain` to n − horizon, fit on months
 * before t and forecast t … t+h−1 with the spend that actually happened;
 * score MAPE (actuals of 0 skipped) and the share of actuals inside the 80%
 * and 95% intervals.
 *
 * @example
 * const bt = backtestMmmForecast(series, { minTrain: 24, horizon: 3, fit: { bootstrap: 50 } });
 * bt.mape; bt.coverage80; bt.coverage95;
 */
export function backtestMmmForecast(input: MmmInput, options: MmmBacktestOptions): BacktestResult {
  const n = input.months.length;
  const { minTrain, horizon } = options;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be a positive integer, got ${horizon}`);
  if (n < minTrain + horizon) throw new RangeError(`series of ${n} months is shorter than minTrain + horizon = ${minTrain + horizon}`);
  const origins: BacktestOrigin[] = [];
  for (let origin = minTrain; origin + horizon <= n; origin++) {
    const train: MmmInput = {
      months: input.months.slice(0, origin),
      outcome: input.outcome.slice(0, origin),
      spend: Object.fromEntries(Object.entries(input.spend).map(([c, s]) => [c, s.slice(0, origin)])),
    };
    const fit = fitMmm(train, { ...options.fit, seed: deriveSeed(options.fit?.seed ?? 1, `origin-${origin}`) });
    const plan: SpendPlan = { spend: Object.fromEntries(Object.entries(input.spend).map(([c, s]) => [c, s.slice(origin, origin + horizon)])) };
    const [f] = forecastScenarios(fit, { horizons: [horizon], scenarios: { actual: plan }, noiseDraws: options.noiseDraws, seed: origin });
    origins.push(backtestOrigin(origin, f.path.map((iv, k) => backtestPoint(k + 1, input.outcome[origin + k], iv))));
  }
  return backtestSummary(origins);
}
