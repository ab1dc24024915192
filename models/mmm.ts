/**
 * Incrementality by a media-mix model (MMM): what each channel's spend
 * caused, as opposed to what attribution says it touched.
 *
 * Model, for months t = 0 … n−1 of the outcome y (see `mmmSeries` for the
 * outcome acvloop uses: new opportunities by creation month):
 *
 *   y_t = μ + τ·t + s_{month(t)} + Σ_c β_c · Hill(adstock_c(spend_c)_t; k_c, α_c) + ε_t
 *
 * - adstock_c is geometric with decay d_c, started from the steady state of
 *   the channel's first three months; Hill has half-saturation
 *   k_c = h_c · (steady adstock of the channel's mean spend) and shape α_c.
 *   (d_c, h_c, α_c) come from a grid, chosen channel by channel in a few
 *   coordinate sweeps that minimise the penalised residual sum of squares
 *   (the profile likelihood of a Gaussian model; every grid point has the
 *   same number of coefficients, so in-sample fit is a fair criterion).
 * - β_c ≥ 0 (a channel cannot destroy demand) with a ridge penalty, solved
 *   exactly by an active-set NNLS (`nnls.ts`). The penalty of channel c is
 *   `ridge` × its column's sum of squares about the mean in the total
 *   equation (only variation identifies β beside an intercept; in the
 *   orthogonal case β_c shrinks by 1 / (1 + ridge)) plus the uncentred one
 *   in its journey equation (see `channelPenalties` for why). μ ≥ 0 (the baseline cannot be
 *   negative). Month effects s_m are shrunk with `seasonRidge`; τ is free.
 * - Lift tests (`experiments`) enter as weighted pseudo-observations: the
 *   model's incremental ACV of channel c over the test's months (outcome
 *   with actual spend − outcome with the channel's spend at zero in those
 *   months) is "observed" as the test's incremental_acv with weight
 *   σ̂² / stderr², σ̂² being the residual variance of the fit without tests.
 *   A test with a small stderr therefore pins the channel's effect; a vague
 *   one barely moves it. A test that the model contradicts (`overrides`,
 *   decided by mmm-calibration.ts) is not averaged with it: it decides.
 * - Journeys (optional `input.journeys`, built by `mmmSeries`): the total
 *   count moves little with a small channel's spend (Poisson noise of ~√150
 *   opportunities a month hides a channel that causes 6), but nearly every
 *   opportunity a channel causes carries its touch, and the count of the
 *   month's opportunities touched by c is far less noisy. So β_c also
 *   enters a second equation per channel (a stacked regression):
 *
 *     j_c(m) = β_c · Hill(adstock_c)(m) + η_c + δ_c · T(m) + γ_c · T(m) · r̄_c(m) + e_c(m)
 *
 *   where T(m) is the month's total and r̄_c the last six months' spend
 *   relative to its mean (`journeyNuisance`): δ and γ (≥ 0) absorb touches
 *   that land on opportunities that would exist anyway, which is how a
 *   harvest channel touches everything and causes nothing. The total
 *   equation stays in the system, so a channel whose spend does not move the
 *   total is held back there. The equations are weighted by their residual
 *   variances (σ²_total / σ²_c, feasible GLS in two passes) and the transforms
 *   are chosen on the stacked objective. On generated worlds this lifts the
 *   Spearman correlation of ROI with the planted truth from ~0.4-0.75
 *   (total alone) to ~0.7-0.9 (tests/models/mmm-truth.test.ts).
 * - What a touch says about cause is not in the data: the level of β·Hill in
 *   a journey equation trades against η + δ·T one for one, and only the
 *   penalty on that level (`channelPenalties`) decides how much of a
 *   channel's touched opportunities it caused. One penalty is one belief; on
 *   generated worlds the belief the model had (the ridge itself) found about
 *   half of the planted caused ACV with intervals that covered the truth in
 *   a third of channels (bench/README.md). So the fit averages over beliefs
 *   (`touchPriors`, multipliers of that penalty, default 0.15×, 0.5× and
 *   1.5×, a tenfold range): each belief is fitted and bootstrapped with its
 *   share of the replicates; the point is the middle belief's fit; each
 *   belief's draws are centred on its own point and pooled (`overBeliefs`),
 *   so the intervals hold what the beliefs disagree on. Equal weights: the
 *   data cannot prefer one (that is the point), so none is preferred.
 * - Intervals: moving-block bootstrap over months (blocks of `blockLength`,
 *   default 3, so autocorrelated errors stay together), the same month
 *   blocks for every equation so their correlation survives; experiments'
 *   targets are redrawn from N(incremental_acv, stderr²). Residuals are
 *   rescaled by √(n / (n − p)) before resampling. Each replicate re-chooses
 *   every channel's decay (the point choice's grid neighbours) and
 *   half-saturation (shape kept; one sweep; `bootstrapDecay`) so the
 *   intervals carry their uncertainty; such a draw carries its own
 *   transforms, which `mmmResponse`, `predictMmm` and the results use.
 *   With `unitValueSe` (the standard error of each channel's ACV per
 *   opportunity, a mean over a few hundred deals of very different sizes)
 *   every replicate also draws its own value, used in its experiment rows
 *   and in everything valued from it.
 *   Reported point = the point fit; reported quantiles = the draws'
 *   quantiles shifted so their median is the point (see `quantiles`), so
 *   p50 = point and the point lies inside every interval by construction.
 *   On the designed simulation (tests/models/mmm-intervals.test.ts) the 80%
 *   interval covers the truth ~72% of the time with ~+3% mean error.
 *   Seeded via models/random.ts.
 * - What cannot be known (identifiability.ts): a channel whose spend moved
 *   with another's, hardly moved, or ran too few months is flagged, and its
 *   intervals widen instead of showing the ridge's arbitrary split as if it
 *   were measured (the rule is at `unidentifiedInterval`).
 *
 * Outcome units are turned into ACV with `unitValue` (ACV per unit of
 * outcome caused by each channel, e.g. won ACV per opportunity of that
 * channel's journeys) and `baselineUnitValue`. With an outcome already in
 * ACV, leave both at 1.
 */
import { geometricAdstock, hillSaturation, steadyAdstock } from './adstock';
import { monthFromIndex, monthIndex } from '../lib/dates';
import { assessIdentifiability, confoundedGroup, type ChannelIdentifiability, type IdentifiabilityThresholds } from './identifiability';
import { nnlsQuadratic } from './nnls';
import { createRng, deriveSeed } from './random';

export interface MmmInput {
  /** Consecutive months, ascending, `YYYY-MM`. */
  months: readonly string[];
  /** The outcome per month (units: see unitValue). */
  outcome: readonly number[];
  /** Spend in USD per channel, one value per month. Channels with no spend at all are left out of the model. */
  spend: Readonly<Record<string, readonly number[]>>;
  /** ACV per unit of outcome caused by each channel; default 1 (outcome already in ACV). */
  unitValue?: Readonly<Record<string, number>>;
  /**
   * Standard error of each unitValue when it is a mean over deals (e.g. won
   * ACV per journey opportunity): every bootstrap draw values its channel
   * with its own draw from N(unitValue, se²), floored at 0, so the intervals
   * carry how uncertain the ACV of an opportunity is, not only how many
   * opportunities were caused. Absent or 0: the value is taken as known.
   */
  unitValueSe?: Readonly<Record<string, number>>;
  /** ACV per unit of baseline outcome (for forecasts in ACV); default 1. */
  baselineUnitValue?: number;
  /**
   * Per channel, the monthly count of outcome units (new opportunities) whose
   * touchpoint journey contains the channel (see `mmmSeries`). When given,
   * each channel's effect is also fitted on its own journey series (the
   * stacked model in the module comment).
   */
  journeys?: Readonly<Record<string, readonly number[]>>;
}

/** A lift test (experiments.csv): the incremental ACV a channel's spend caused over [start, end] months. */
export interface MmmExperiment {
  channel: string;
  start: string;
  end: string;
  incremental_acv: number;
  stderr: number;
  /**
   * The model and this test disagreed beyond both their intervals (see
   * mmm-calibration.ts): the test decides the channel's effect (its weight is
   * multiplied by TEST_OVERRIDES) instead of being averaged with a model that
   * the test shows to be wrong for this channel.
   */
  overrides?: boolean;
}

/** How much more an overriding test weighs than its precision alone says: enough that the channel's own series barely move it. */
export const TEST_OVERRIDES = 1e4;

export interface MmmOptions {
  decays?: readonly number[];
  /** Half-saturation as multiples of the steady adstock of the channel's mean spend. */
  halfSaturations?: readonly number[];
  shapes?: readonly number[];
  /** Coordinate sweeps over channels when choosing transforms. Default 3. */
  sweeps?: number;
  trend?: boolean;
  seasonality?: 'month' | 'none';
  /** Channel shrinkage (fraction, see module comment). Default 0.1. */
  ridge?: number;
  /** Month-effect shrinkage. Default 0.05: baseline seasonality is large, and a harvest channel whose spend follows it must not take it over. */
  seasonRidge?: number;
  experiments?: readonly MmmExperiment[];
  /** Bootstrap replicates. Default 200; 0 gives point estimates only. */
  bootstrap?: number;
  blockLength?: number;
  seed?: number;
  /** Fix a channel's transform instead of searching (e.g. known from a previous cycle). */
  fixedTransforms?: Readonly<Record<string, ChannelTransform>>;
  /** ACV that attribution credits to each channel, copied beside the incremental estimate. */
  attributedAcv?: Readonly<Record<string, number>>;
  /** Use `input.journeys` when present (default true); false fits the total-outcome equation alone. */
  useJourneys?: boolean;
  /** Re-choose each channel's adstock decay and half-saturation in every bootstrap replicate (default true). */
  bootstrapDecay?: boolean;
  /** When a channel's effect counts as not identified (see identifiability.ts); defaults there. */
  identifiability?: Partial<IdentifiabilityThresholds>;
  /**
   * Beliefs about how much a touch says about cause, averaged over (see the
   * module comment): multipliers of the journey level's penalty. Default
   * [0.15, 0.5, 1.5]; the middle one gives the point. Only with journeys.
   */
  touchPriors?: readonly number[];
}

export interface ChannelTransform {
  decay: number;
  /** Half-saturation in USD of adstock. */
  halfSaturation: number;
  shape: number;
}

/** Coefficients of one fit (the point fit or one bootstrap replicate). */
export interface MmmCoefficients {
  intercept: number;
  /** Per year, with t measured from the window's centre. */
  trend: number;
  /** Month-of-year effects, January … December (zeros without seasonality). */
  season: number[];
  /** Outcome units per month at Hill = 1. */
  channel: Record<string, number>;
  /** A bootstrap draw that re-chose the transforms carries its own (and the adstock at the window's last month). */
  transforms?: Record<string, ChannelTransform>;
  lastAdstock?: Record<string, number>;
  /** Index into `MmmFit.touchPriors` of the belief this draw was fitted under (absent: one belief). */
  prior?: number;
  /** A draw's own ACV per unit of each channel (see `MmmInput.unitValueSe`); absent: the fit's. */
  unitValue?: Record<string, number>;
}

export interface Quantiles {
  p2_5: number;
  p10: number;
  p50: number;
  p90: number;
  p97_5: number;
}

export interface MmmChannelResult {
  channel: string;
  /** Spend over the window, USD. */
  spend: number;
  /** Outcome units the window's spend caused inside the window. */
  incrementalUnits: number;
  /** Incremental ACV: outcome with actual spend − outcome with this channel's window spend at zero, valued. */
  incrementalAcv: number;
  incrementalAcvQuantiles: Quantiles;
  /** ACV per dollar = incrementalAcv / spend. */
  roi: number;
  roiQuantiles: Quantiles;
  /** Marginal ROI: extra incremental ACV per extra dollar at +1% spend in every month. */
  mroi: number;
  mroiQuantiles: Quantiles;
  /** ACV attribution credits to the channel, when the caller gave it. */
  attributedAcv: number | null;
  transform: ChannelTransform;
  /** Whether the data can tell this channel's effect apart, and why not; a flagged channel's intervals are widened (see `channelResults`). */
  identifiability: ChannelIdentifiability;
}

export interface MmmFit {
  months: string[];
  channels: string[];
  transforms: Record<string, ChannelTransform>;
  coef: MmmCoefficients;
  /** One per bootstrap replicate. */
  draws: MmmCoefficients[];
  /** The beliefs about touches averaged over (`MmmOptions.touchPriors`), and each one's point fit; absent in fits stored before them. */
  touchPriors?: number[];
  priorPoints?: MmmCoefficients[];
  fitted: number[];
  residuals: number[];
  residualSd: number;
  unitValue: Record<string, number>;
  baselineUnitValue: number;
  /** Adstock of each channel at the last month (where a forecast continues from). */
  lastAdstock: Record<string, number>;
  /** Steady-state carry used at the window start. */
  carry: Record<string, number>;
  /** Window spend per channel, USD. */
  spend: Record<string, number[]>;
  results: MmmChannelResult[];
  trend: boolean;
  seasonality: 'month' | 'none';
  /** Expected incremental ACV per month at a steady monthly spend (vs none), with one value per bootstrap draw. */
  response(channel: string, monthlySpend: number): { mean: number; draws: number[] };
}

const DEFAULTS = {
  decays: [0, 0.15, 0.3, 0.45, 0.6, 0.75],
  halfSaturations: [0.5, 1, 2],
  shapes: [1, 1.5, 2],
  sweeps: 3,
  ridge: 0.1,
  seasonRidge: 0.05,
  bootstrap: 200,
  blockLength: 3,
  seed: 1,
  touchPriors: [0.15, 0.5, 1.5],
};

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/** Quantile by linear interpolation between order statistics (type 7, as R and numpy default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Interval of a non-negative quantity around its point estimate: the
 * bootstrap draws' quantiles shifted so their median sits on the point
 * (p50 = point), floored at 0. Why shifted: each replicate refits data
 * simulated from the (ridge-shrunk) point fit, so the draws carry the
 * shrinkage twice and their raw percentiles sit below the point, which on
 * the demo world put the point outside its own interval. Shifting keeps the
 * draws' spread and puts the point inside its interval by construction.
 */
function quantiles(values: readonly number[], point: number): Quantiles {
  if (!values.length) return { p2_5: point, p10: point, p50: point, p90: point, p97_5: point };
  const s = [...values].sort((a, b) => a - b);
  const shift = point - quantile(s, 0.5);
  const q = (p: number) => Math.max(0, quantile(s, p) + shift);
  return { p2_5: q(0.025), p10: q(0.1), p50: point, p90: q(0.9), p97_5: q(0.975) };
}

/** Mean of the first three months: the spend level assumed to have run before the window. */
function carryOf(series: readonly number[]): number {
  const k = Math.min(3, series.length);
  return k ? sum(series.slice(0, k)) / k : 0;
}

function transformed(series: readonly number[], t: ChannelTransform, carry: number): number[] {
  return geometricAdstock(series, t.decay, carry).map((a) => hillSaturation(a, t.halfSaturation, t.shape));
}

/** Column layout of the design matrix. */
interface Layout {
  n: number;
  trend: boolean;
  season: boolean;
  channels: string[];
  /** Month of year (0..11) of each row. */
  moy: number[];
  /** Index of the first channel column. */
  ch0: number;
  /** Channels with a journey equation, and the index of the first of their nuisance columns (3 per channel). */
  journeyChannels: string[];
  jc0: number;
  p: number;
}

/** Nuisance columns of a journey equation: intercept, T(m) and T(m)·r̄_c(m) (see `journeyNuisance`). */
const JOURNEY_COLUMNS = 3;

function layoutOf(months: readonly string[], channels: string[], trend: boolean, season: boolean, journeyChannels: string[] = []): Layout {
  const moy = months.map((m) => monthIndex(m) % 12);
  const ch0 = 1 + (trend ? 1 : 0) + (season ? 12 : 0);
  const jc0 = ch0 + channels.length;
  return { n: months.length, trend, season, channels, moy, ch0, journeyChannels, jc0, p: jc0 + JOURNEY_COLUMNS * journeyChannels.length };
}

function baseRow(layout: Layout, t: number, moy: number): number[] {
  const row = new Array<number>(layout.p).fill(0);
  row[0] = 1;
  if (layout.trend) row[1] = (t - (layout.n - 1) / 2) / 12;
  if (layout.season) row[1 + (layout.trend ? 1 : 0) + moy] = 1;
  return row;
}

interface Prepared {
  layout: Layout;
  y: number[];
  spend: Record<string, number[]>;
  carry: Record<string, number>;
  unitValue: Record<string, number>;
  unitValueSe: Record<string, number>;
  experiments: { channel: string; from: number; to: number; target: number; stderr: number; weight: number }[];
  ridge: number;
  seasonRidge: number;
  /** Observed journey counts per journey channel. */
  journeys: Record<string, number[]>;
  /** Nuisance regressors of each journey equation, [month][3]: 1, T(m), T(m)·spend_c(m)/mean spend_c. */
  nuisance: Record<string, number[][]>;
  /** Weight of each journey equation relative to the total equation (σ²_total / σ²_c). */
  journeyWeight: Record<string, number>;
  /** Multiplier of the journey level's penalty: the belief about touches being fitted (see `touchPriors`). */
  touchPrior: number;
  /** Regressors of the baseline (intercept, trend, month dummies), [month][column], and their Gram matrix. */
  base: number[][];
  baseGram: number[][];
  /** Months of the window in each month of the year. */
  monthCounts: number[];
  /** Gram matrix of each journey equation's nuisance columns. */
  nuisanceGram: Record<string, number[][]>;
  /** Transformed columns by channel and transform (they depend on nothing else, so the search and bootstrap share them). */
  columnCache: Map<string, number[]>;
  /** Passive set of the last NNLS solve, to warm-start the next. */
  warmPassive?: boolean[];
}

/** What one solve fits: the total outcome, the journey counts and the experiments' targets. */
interface Targets {
  total: readonly number[];
  journeys: Readonly<Record<string, readonly number[]>>;
  experiments: readonly number[];
  /** A replicate's own ACV per unit (see `MmmInput.unitValueSe`): a test measures ACV, so its row values β with the replicate's value. */
  unitValue?: Readonly<Record<string, number>>;
}

/** Channel columns for the given transforms. */
function channelColumns(prep: Prepared, transforms: Record<string, ChannelTransform>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const c of prep.layout.channels) out[c] = columnOf(prep, c, transforms[c]);
  return out;
}

/** Hill(adstock) column of a channel under a transform, computed once per fit (callers must not mutate it). */
function columnOf(prep: Prepared, c: string, t: ChannelTransform): number[] {
  const key = `${c}|${t.decay}|${t.halfSaturation}|${t.shape}`;
  let col = prep.columnCache.get(key);
  if (!col) prep.columnCache.set(key, (col = transformed(prep.spend[c], t, prep.carry[c])));
  return col;
}

/** Experiment pseudo-row coefficient: valued incremental outcome per unit β over the test's months. */
function experimentLift(prep: Prepared, c: string, t: ChannelTransform, from: number, to: number, value = prep.unitValue[c]): number {
  const actual = transformed(prep.spend[c], t, prep.carry[c]);
  const held = transformed(prep.spend[c].map((x, m) => (m >= from && m <= to ? 0 : x)), t, prep.carry[c]);
  let d = 0;
  for (let m = from; m <= to; m++) d += actual[m] - held[m];
  return d * value;
}

interface Solved {
  coef: number[];
  /** Residual sum of squares of the total equation, and of each journey equation. */
  sse: number;
  sseJourney: Record<string, number>;
  objective: number;
}

/** The stacked rows: n total-outcome rows, n rows per journey channel, then the experiments (when sigma2 > 0). */
function stackedRows(prep: Prepared, columns: Record<string, number[]>, transforms: Record<string, ChannelTransform>,
  targets: Targets, sigma2: number): { rows: number[][]; weights: number[]; y: number[] } {
  const { layout } = prep;
  const rows: number[][] = [];
  const weights: number[] = [];
  const y: number[] = [];
  for (let t = 0; t < layout.n; t++) {
    const row = baseRow(layout, t, layout.moy[t]);
    layout.channels.forEach((c, j) => (row[layout.ch0 + j] = columns[c][t]));
    rows.push(row);
    weights.push(1);
    y.push(targets.total[t]);
  }
  layout.journeyChannels.forEach((c, k) => {
    const j = layout.channels.indexOf(c);
    for (let t = 0; t < layout.n; t++) {
      const row = new Array<number>(layout.p).fill(0);
      row[layout.ch0 + j] = columns[c][t];
      const z = prep.nuisance[c][t];
      for (let q = 0; q < JOURNEY_COLUMNS; q++) row[layout.jc0 + JOURNEY_COLUMNS * k + q] = z[q];
      rows.push(row);
      weights.push(prep.journeyWeight[c]);
      y.push(targets.journeys[c][t]);
    }
  });
  if (sigma2 > 0) {
    prep.experiments.forEach((e, i) => {
      const row = new Array<number>(layout.p).fill(0);
      row[layout.ch0 + layout.channels.indexOf(e.channel)] = experimentLift(prep, e.channel, transforms[e.channel], e.from, e.to, targets.unitValue?.[e.channel]);
      rows.push(row);
      weights.push((e.weight * sigma2) / (e.stderr * e.stderr));
      y.push(targets.experiments[i]);
    });
  }
  return { rows, weights, y };
}

/**
 * Solves the penalised NNLS for fixed transforms. sigma2 = 0 is the first
 * pass (ridge only); with the residual variance sigma2 the experiments are
 * weighted sigma2 / stderr².
 *
 * The normal equations are assembled block by block rather than from the
 * stacked rows (`stackedRows`, kept for the fitted values): a journey row
 * touches only its channel's β and its own three nuisance columns, so the
 * assembly costs O(n·p) instead of O(rows·p²), and the NNLS is warm-started
 * from the previous solve's passive set (exact either way, see `nnls.ts`).
 * The thousands of solves of the transform search and the bootstrap are
 * what this makes cheap.
 */
function solve(prep: Prepared, columns: Record<string, number[]>, transforms: Record<string, ChannelTransform>, targets: Targets,
  sigma2: number): Solved {
  const { layout } = prep;
  const { n, p, ch0, jc0, channels } = layout;
  const Z = prep.base;
  const y = targets.total;
  const a = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const c = new Array<number>(p).fill(0);
  for (let i = 0; i < ch0; i++) {
    for (let k = 0; k < ch0; k++) a[i][k] = prep.baseGram[i][k];
    let s = 0;
    for (let t = 0; t < n; t++) s += Z[t][i] * y[t];
    c[i] = s;
  }
  const X = channels.map((ch) => columns[ch]);
  for (let j = 0; j < channels.length; j++) {
    const x = X[j];
    const J = ch0 + j;
    for (let i = 0; i < ch0; i++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += Z[t][i] * x[t];
      a[i][J] = a[J][i] = s;
    }
    for (let k = 0; k <= j; k++) {
      const xk = X[k];
      let s = 0;
      for (let t = 0; t < n; t++) s += x[t] * xk[t];
      a[J][ch0 + k] = a[ch0 + k][J] = s;
    }
    let s = 0;
    for (let t = 0; t < n; t++) s += x[t] * y[t];
    c[J] = s;
  }
  layout.journeyChannels.forEach((ch, k) => {
    const J = ch0 + channels.indexOf(ch);
    const w = prep.journeyWeight[ch];
    const x = columns[ch];
    const N = prep.nuisance[ch];
    const jy = targets.journeys[ch];
    const o = jc0 + JOURNEY_COLUMNS * k;
    let xx = 0;
    let xy = 0;
    for (let t = 0; t < n; t++) {
      xx += x[t] * x[t];
      xy += x[t] * jy[t];
    }
    a[J][J] += w * xx;
    c[J] += w * xy;
    for (let r = 0; r < JOURNEY_COLUMNS; r++) {
      let xn = 0;
      let ny = 0;
      for (let t = 0; t < n; t++) {
        xn += x[t] * N[t][r];
        ny += N[t][r] * jy[t];
      }
      a[J][o + r] = a[o + r][J] = w * xn;
      c[o + r] = w * ny;
      for (let r2 = 0; r2 < JOURNEY_COLUMNS; r2++) a[o + r][o + r2] = w * prep.nuisanceGram[ch][r][r2];
    }
  });
  const experimentRows = sigma2 > 0 ? prep.experiments.map((e, i) => {
    const J = ch0 + channels.indexOf(e.channel);
    const lift = experimentLift(prep, e.channel, transforms[e.channel], e.from, e.to, targets.unitValue?.[e.channel]);
    const w = (e.weight * sigma2) / (e.stderr * e.stderr);
    a[J][J] += w * lift * lift;
    c[J] += w * lift * targets.experiments[i];
    return { J, lift, w, target: targets.experiments[i] };
  }) : [];
  const penalty = channelPenalties(prep, columns);
  for (let j = 0; j < p; j++) a[j][j] += penalty[j];
  // β ≥ 0 and μ ≥ 0; in a journey equation, touches landing on opportunities that exist anyway cannot be negative (δ, γ ≥ 0).
  const nonNegative = Array.from({ length: p }, (_, j) =>
    j === 0 || (j >= ch0 && j < jc0) || (j >= jc0 && (j - jc0) % JOURNEY_COLUMNS !== 0));
  const result = nnlsQuadratic({ a, c, nonNegative }, 1e-10, prep.warmPassive);
  prep.warmPassive = result.passive;
  const coef = result.coef;
  let sse = 0;
  for (let t = 0; t < n; t++) {
    let f = 0;
    for (let i = 0; i < ch0; i++) f += Z[t][i] * coef[i];
    for (let j = 0; j < channels.length; j++) f += X[j][t] * coef[ch0 + j];
    sse += (y[t] - f) ** 2;
  }
  let objective = sse;
  const sseJourney: Record<string, number> = {};
  layout.journeyChannels.forEach((ch, k) => {
    const beta = coef[ch0 + channels.indexOf(ch)];
    const o = jc0 + JOURNEY_COLUMNS * k;
    const x = columns[ch];
    const N = prep.nuisance[ch];
    const jy = targets.journeys[ch];
    let ss = 0;
    for (let t = 0; t < n; t++) {
      let f = beta * x[t];
      for (let r = 0; r < JOURNEY_COLUMNS; r++) f += N[t][r] * coef[o + r];
      ss += (jy[t] - f) ** 2;
    }
    sseJourney[ch] = ss;
    objective += prep.journeyWeight[ch] * ss;
  });
  for (const e of experimentRows) objective += e.w * (e.target - e.lift * coef[e.J]) ** 2;
  for (let j = 0; j < p; j++) objective += penalty[j] * coef[j] * coef[j];
  return { coef, sse, sseJourney, objective };
}

/**
 * Ridge penalties of the normal equations. Month effects: `seasonRidge` per
 * month observed. Channel c: `ridge` × (the sum of squares of its column
 * about its mean in the total equation + the journey weight × its uncentred
 * sum of squares in the journey equation), so `ridge` stays a fraction.
 *
 * Centred in the total equation, because it carries an intercept and only a
 * column's variation identifies β there: a Hill column sits near a constant
 * ~0.5, and penalising its uncentred square (~n/4, often 20× its variation)
 * pulled β to zero (−81% bias and 0/60 coverage on the designed simulation of
 * tests/models/mmm-intervals.test.ts; centred: +1%). Uncentred in the journey
 * equation on purpose: there the level of β·Hill competes with the touches
 * that land on opportunities anyway (η + δ·T, nearly constant too), and
 * nothing in the data tells them apart; shrinking that level is the prior
 * "a touch is not a cause". Centring it as well let harvest channels claim
 * the touched level (paid search 1,100 caused opportunities against a truth
 * of 0 on seed 42; Spearman with truth 0.0-0.6). Nuisance columns get 1e-9
 * so A stays positive definite.
 */
function channelPenalties(prep: Prepared, columns: Record<string, number[]>): number[] {
  const { layout } = prep;
  const penalty = new Array<number>(layout.p).fill(1e-9);
  if (layout.season) {
    for (let k = 0; k < 12; k++) penalty[1 + (layout.trend ? 1 : 0) + k] = prep.seasonRidge * Math.max(prep.monthCounts[k], 1e-3);
  }
  if (layout.trend) penalty[1] = 0;
  penalty[0] = 0;
  layout.channels.forEach((c, j) => {
    const col = columns[c];
    const mean = sum(col) / col.length;
    let centred = 0;
    let raw = 0;
    for (const x of col) {
      centred += (x - mean) ** 2;
      raw += x * x;
    }
    const wj = layout.journeyChannels.includes(c) ? prep.journeyWeight[c] : 0;
    // A (numerically) constant column is not identified apart from the intercept; a floor keeps A positive definite.
    penalty[layout.ch0 + j] = prep.ridge * (Math.max(centred, 1e-6 * raw) + prep.touchPrior * wj * raw) + 1e-9;
  });
  return penalty;
}

interface Grid {
  decays: readonly number[];
  halfSaturations: readonly number[];
  shapes: readonly number[];
}

/** Mean of the positive months: the spend level the half-saturation grid is scaled to. */
function spendLevel(s: readonly number[]): number {
  const positive = s.filter((x) => x > 0);
  return positive.length ? sum(positive) / positive.length : 1;
}

function gridOf(prep: Prepared, c: string, opts: Grid): ChannelTransform[] {
  const level = spendLevel(prep.spend[c]);
  const out: ChannelTransform[] = [];
  for (const decay of opts.decays) {
    for (const h of opts.halfSaturations) {
      for (const shape of opts.shapes) out.push({ decay, halfSaturation: h * steadyAdstock(level, decay), shape });
    }
  }
  return out;
}

/**
 * Candidates a bootstrap replicate re-chooses from: the grid's decays next to
 * `t`'s (one step either side) × every half-saturation multiple, shape kept.
 * Re-choosing decay and half-saturation carries their uncertainty into the
 * interval (with the decay alone the 80% interval covered 45% on the designed
 * simulation, with both 73%); the neighbours only keep it within budget.
 */
function replicateGridOf(prep: Prepared, c: string, t: ChannelTransform, grid: Grid): ChannelTransform[] {
  const level = spendLevel(prep.spend[c]);
  let at = 0;
  grid.decays.forEach((d, i) => Math.abs(d - t.decay) < Math.abs(grid.decays[at] - t.decay) && (at = i));
  const decays = grid.decays.slice(Math.max(0, at - 1), at + 2);
  const out: ChannelTransform[] = [];
  for (const decay of decays) {
    for (const h of grid.halfSaturations) out.push({ decay, halfSaturation: h * steadyAdstock(level, decay), shape: t.shape });
  }
  return out;
}

/** Chooses each channel's transform by coordinate sweeps over its candidates (profile likelihood). */
function chooseTransforms(prep: Prepared, opts: MmmOptions, start: Record<string, ChannelTransform>, targets: Targets, sigma2: number,
  candidates: (c: string, current: ChannelTransform) => ChannelTransform[], sweeps = opts.sweeps ?? DEFAULTS.sweeps): Record<string, ChannelTransform> {
  const transforms = { ...start };
  const columns = channelColumns(prep, transforms);
  const free = prep.layout.channels.filter((c) => !opts.fixedTransforms?.[c]);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let changed = false;
    for (const c of free) {
      const before = transforms[c];
      let best = before;
      let bestObj = solve(prep, columns, transforms, targets, sigma2).objective;
      for (const cand of candidates(c, before)) {
        transforms[c] = cand;
        columns[c] = columnOf(prep, c, cand);
        const obj = solve(prep, columns, transforms, targets, sigma2).objective;
        if (obj < bestObj - 1e-12 * Math.abs(bestObj)) {
          bestObj = obj;
          best = cand;
        }
      }
      if (best !== before) changed = true;
      transforms[c] = best;
      columns[c] = columnOf(prep, c, best);
    }
    if (!changed) break;
  }
  return transforms;
}
function toCoefficients(layout: Layout, b: readonly number[]): MmmCoefficients {
  const s0 = 1 + (layout.trend ? 1 : 0);
  return {
    intercept: b[0],
    trend: layout.trend ? b[1] : 0,
    season: layout.season ? b.slice(s0, s0 + 12) : new Array<number>(12).fill(0),
    channel: Object.fromEntries(layout.channels.map((c, j) => [c, b[layout.ch0 + j]])),
  };
}

/** Incremental outcome units of a channel over the window for a spend multiplier (0 = switched off in the window). */
function windowUnits(fit: Pick<MmmFit, 'spend' | 'carry'>, c: string, t: ChannelTransform, beta: number, multiplier: number): number {
  const s = fit.spend[c];
  const base = transformed(s, t, fit.carry[c]);
  const other = transformed(s.map((x) => x * multiplier), t, fit.carry[c]);
  return beta * (sum(base) - sum(other));
}

/**
 * Draw values of a quantity, each belief's draws shifted so that their median
 * sits on that belief's point (as `quantiles` does for one belief: a
 * replicate refits data simulated from a shrunk fit, so it carries the
 * shrinkage twice). Pooled, they spread over what the beliefs disagree on
 * as well as the sampling noise of each. A fit with one belief is returned as is.
 */
export function overBeliefs(fit: Pick<MmmFit, 'draws' | 'priorPoints'>, values: readonly number[], value: (d: MmmCoefficients) => number): number[] {
  const points = fit.priorPoints;
  if (!points?.length) return [...values];
  const shift = points.map((p, s) => {
    const own = values.filter((_, k) => fit.draws[k].prior === s).sort((a, b) => a - b);
    return own.length ? value(p) - quantile(own, 0.5) : 0;
  });
  return values.map((v, k) => v + (shift[fit.draws[k].prior ?? -1] ?? 0));
}

function channelResults(fit: Omit<MmmFit, 'results' | 'response'>, attributed: Readonly<Record<string, number>> | undefined,
  identifiability: Readonly<Record<string, ChannelIdentifiability>>): MmmChannelResult[] {
  const tr = (c: string, d: MmmCoefficients) => d.transforms?.[c] ?? fit.transforms[c];
  const inc = (c: string, d: MmmCoefficients) => windowUnits(fit, c, tr(c, d), d.channel[c], 0) * (d.unitValue?.[c] ?? fit.unitValue[c]);
  // Each belief's draws are first centred on that belief's own point (see `overBeliefs`).
  const pooled = (value: (d: MmmCoefficients) => number) => overBeliefs(fit, fit.draws.map(value), value);
  const drawsInc = Object.fromEntries(fit.channels.map((c) => [c, pooled((d) => inc(c, d))]));
  const pointInc = Object.fromEntries(fit.channels.map((c) => [c, inc(c, fit.coef)]));
  return fit.channels.map((c) => {
    const spend = sum(fit.spend[c]);
    // +1% spend in every month: marginal ACV per marginal dollar.
    const marginal = (d: MmmCoefficients) => (-windowUnits(fit, c, tr(c, d), d.channel[c], 1.01) * (d.unitValue?.[c] ?? fit.unitValue[c])) / (0.01 * spend);
    const incrementalAcv = pointInc[c];
    const flags = identifiability[c] ?? { identified: true, reasons: [] };
    const own = quantiles(drawsInc[c], incrementalAcv);
    // What the data support for a channel they cannot separate: see `unidentifiedInterval`.
    const group = confoundedGroup(identifiability, c);
    const together = group.length > 1
      ? quantiles(fit.draws.map((_, k) => sum(group.map((g) => drawsInc[g][k]))), sum(group.map((g) => pointInc[g])))
      : null;
    const incQ = flags.identified ? own : unidentifiedInterval(own, together);
    const perDollar = (q: Quantiles): Quantiles => (spend > 0
      ? { p2_5: q.p2_5 / spend, p10: q.p10 / spend, p50: q.p50 / spend, p90: q.p90 / spend, p97_5: q.p97_5 / spend }
      : { p2_5: 0, p10: 0, p50: 0, p90: 0, p97_5: 0 });
    const mroiOwn = quantiles(pooled(marginal), marginal(fit.coef));
    return {
      channel: c,
      spend,
      incrementalUnits: windowUnits(fit, c, fit.transforms[c], fit.coef.channel[c], 0),
      incrementalAcv,
      incrementalAcvQuantiles: incQ,
      roi: spend > 0 ? incrementalAcv / spend : 0,
      roiQuantiles: flags.identified ? quantiles(drawsInc[c].map((x) => (spend > 0 ? x / spend : 0)), spend > 0 ? incrementalAcv / spend : 0) : perDollar(incQ),
      mroi: marginal(fit.coef),
      mroiQuantiles: flags.identified ? mroiOwn : unidentifiedInterval(mroiOwn, null),
      attributedAcv: attributed?.[c] ?? null,
      transform: fit.transforms[c],
      identifiability: flags,
    };
  });
}

/**
 * The interval of a channel the data cannot separate, never narrower than
 * the bootstrap's and widened to what the data can support:
 * - the lower ends go to 0: whatever the reason (moved with another channel,
 *   hardly moved, too few months), the data cannot rule out that the channel
 *   caused nothing — its share of the effect may belong to the partner, the
 *   baseline or the months it ran in;
 * - for collinear channels the upper ends become at least those of the
 *   group's combined effect (the draws summed channel by channel, each draw
 *   with the same months): the data measure what the group caused together
 *   and could give all of it to this channel.
 * The bootstrap alone cannot show this: every replicate resamples the same
 * collinear spend, so the ridge splits the effect the same way each time and
 * the interval comes out narrow around an arbitrary split.
 * A flat or short channel's upper end stays the bootstrap's: the bound the
 * data allow there (the whole baseline) says nothing a reader can use, and
 * the flag says why the interval cannot be trusted.
 */
export function unidentifiedInterval(own: Quantiles, together: Quantiles | null): Quantiles {
  return {
    p2_5: 0,
    p10: 0,
    p50: own.p50,
    p90: Math.max(own.p90, together?.p90 ?? 0),
    p97_5: Math.max(own.p97_5, together?.p97_5 ?? 0),
  };
}

/**
 * Expected incremental ACV per month of a channel at a steady monthly spend
 * (against no spend): β_c · Hill(spend / (1 − d_c)) · unitValue_c, for the
 * point fit (`mean`) and for every bootstrap draw (`draws`, same order as
 * `fit.draws`). This is the response curve the budget optimiser consumes;
 * it works on a fit revived from JSON too.
 *
 * @example
 * const r = mmmResponse(fit, 'webinar', 20_000);
 * r.mean;                 // ACV per month at $20k/month
 * r.draws.length;         // fit.draws.length
 */
export function mmmResponse(fit: Pick<MmmFit, 'coef' | 'draws' | 'transforms' | 'unitValue'>, channel: string, monthlySpend: number): { mean: number; draws: number[] } {
  const t = fit.transforms[channel];
  if (!t) return { mean: 0, draws: fit.draws.map(() => 0) };
  const hill = (tr: ChannelTransform) => hillSaturation(steadyAdstock(monthlySpend, tr.decay), tr.halfSaturation, tr.shape);
  const h = hill(t);
  return { mean: fit.coef.channel[channel] * h * fit.unitValue[channel],
    draws: fit.draws.map((d) => d.channel[channel] * (d.transforms ? hill(d.transforms[channel]) : h) * (d.unitValue?.[channel] ?? fit.unitValue[channel])) };
}

export interface MmmPrediction {
  months: string[];
  /** Outcome units per month. */
  units: number[];
  /** Valued: baseline units × baselineUnitValue + channel units × unitValue. */
  acv: number[];
  /** Baseline (intercept, trend, season) units per month. */
  baselineUnits: number[];
  /** Units caused by each channel per month (its whole adstocked spend, including carry-over from the window). */
  channelUnits: Record<string, number[]>;
}

/** Future spend per channel, USD per month from the month after the window; a missing channel spends 0. */
export interface SpendPlan {
  spend: Readonly<Record<string, readonly number[]>>;
}

/**
 * Predicted outcome for the months after the fitted window under a spend
 * plan, with the point coefficients or one draw. Adstock continues from the
 * window's last month; trend and month effects extrapolate.
 *
 * @example
 * const p = predictMmm(fit, { spend: { webinar: [20_000, 20_000, 20_000] } }, 3);
 * p.months; // the three months after fit.months
 */
export function predictMmm(fit: Pick<MmmFit, 'months' | 'channels' | 'coef' | 'transforms' | 'lastAdstock' | 'unitValue' | 'baselineUnitValue' | 'trend' | 'seasonality'>,
  plan: SpendPlan, horizon: number, coef: MmmCoefficients = fit.coef): MmmPrediction {
  const n = fit.months.length;
  const last = monthIndex(fit.months[n - 1]);
  const layout = layoutOf(fit.months, fit.channels, fit.trend, fit.seasonality === 'month');
  const months: string[] = [];
  const baselineUnits: number[] = [];
  for (let h = 0; h < horizon; h++) {
    const mi = last + 1 + h;
    months.push(monthFromIndex(mi));
    const t = n + h;
    baselineUnits.push(coef.intercept + (layout.trend ? coef.trend * ((t - (n - 1) / 2) / 12) : 0) + coef.season[mi % 12]);
  }
  const channelUnits: Record<string, number[]> = {};
  for (const c of fit.channels) {
    // A bootstrap draw that re-chose the transforms continues from its own adstock.
    const tr = coef.transforms?.[c] ?? fit.transforms[c];
    const last = coef.lastAdstock?.[c] ?? fit.lastAdstock[c];
    const s = Array.from({ length: horizon }, (_, h) => plan.spend[c]?.[h] ?? 0);
    // geometricAdstock starts from carry / (1 − d); this carry makes a_{-1} the window's last adstock.
    const a = geometricAdstock(s, tr.decay, last * (1 - tr.decay));
    channelUnits[c] = a.map((x) => coef.channel[c] * hillSaturation(x, tr.halfSaturation, tr.shape));
  }
  const units = baselineUnits.map((b, h) => b + sum(fit.channels.map((c) => channelUnits[c][h])));
  const acv = baselineUnits.map((b, h) => b * fit.baselineUnitValue + sum(fit.channels.map((c) => channelUnits[c][h] * fit.unitValue[c])));
  return { months, units, acv, baselineUnits, channelUnits };
}

/**
 * Regressors of the touches of c that land on opportunities that exist anyway
 * (free of c's causal effect): an intercept, the month's total T(m) (δ: a
 * fixed share of every month's opportunities is touched by c) and T(m) × c's
 * spend over the last 6 months relative to its mean spend (γ: spend buys
 * touches on accounts that open opportunities anyway, and a journey looks
 * months back, so the recent spend level sets how many of those it finds).
 * The recent level is smooth while Hill(adstock) saturates and weights the
 * months differently; with β ≥ 0 and the total equation beside it, that is
 * what separates cause from coincidence.
 */
function journeyNuisance(total: readonly number[], spend: Record<string, number[]>, channels: readonly string[]): Record<string, number[][]> {
  const n = total.length;
  const recent = 6;
  return Object.fromEntries(channels.map((c) => {
    const s = spend[c];
    const mean = sum(s) / n;
    return [c, total.map((T, t) => {
      const lo = Math.max(0, t - recent + 1);
      const trailing = sum(s.slice(lo, t + 1)) / (t + 1 - lo);
      return [1, T, (T * trailing) / mean];
    })];
  }));
}

/** XᵀX of a small dense matrix given by rows. */
function gram(rows: readonly (readonly number[])[]): number[][] {
  const q = rows.length ? rows[0].length : 0;
  const g = Array.from({ length: q }, () => new Array<number>(q).fill(0));
  for (const r of rows) for (let i = 0; i < q; i++) for (let k = 0; k < q; k++) g[i][k] += r[i] * r[k];
  return g;
}

/** The baseline columns of the total equation (intercept, trend, month dummies) per month, their Gram matrix and month counts. */
function baseRegressors(layout: Layout): { base: number[][]; baseGram: number[][]; monthCounts: number[] } {
  const base = layout.moy.map((moy, t) => baseRow(layout, t, moy).slice(0, layout.ch0));
  const monthCounts = new Array<number>(12).fill(0);
  for (const m of layout.moy) monthCounts[m]++;
  return { base, baseGram: gram(base), monthCounts };
}

/** The point fit and bootstrap draws under one belief about touches (see `touchPriors`). */
interface PriorFit {
  transforms: Record<string, ChannelTransform>;
  coef: MmmCoefficients;
  fitted: number[];
  residuals: number[];
  residualSd: number;
  draws: MmmCoefficients[];
}

/** Adstock of each channel at the window's last month under the given transforms. */
function lastAdstockOf(prep: Prepared, tr: Record<string, ChannelTransform>): Record<string, number> {
  const n = prep.layout.n;
  return Object.fromEntries(prep.layout.channels.map((c) => [c, geometricAdstock(prep.spend[c], tr[c].decay, prep.carry[c])[n - 1]]));
}

/** The starting transform of a channel: its fixed one, or decay 0.3 with half-saturation at its mean spend's steady adstock. */
function startTransform(prep: Prepared, options: MmmOptions, c: string): ChannelTransform {
  const fixed = options.fixedTransforms?.[c];
  if (fixed) return fixed;
  const s = prep.spend[c];
  const level = sum(s) / Math.max(1, s.filter((x) => x > 0).length);
  return { decay: 0.3, halfSaturation: steadyAdstock(level, 0.3), shape: 1 };
}

/**
 * Fits the model with the journey level penalised at `strength` × the base
 * ridge (see `channelPenalties`): chooses the transforms (feasible GLS in two
 * passes, then again with the experiments), solves, and draws `replicates`
 * moving-block bootstrap replicates from `rng`.
 */
function fitUnderTouchPrior(prep: Prepared, options: MmmOptions, grid: Grid, strength: number, replicates: number,
  rng: ReturnType<typeof createRng>): PriorFit {
  const { layout, experiments, journeys } = prep;
  const { n, channels, journeyChannels } = layout;
  prep.touchPrior = strength;
  for (const c of journeyChannels) prep.journeyWeight[c] = 1;
  const totalColumns = layout.jc0 - (layout.season ? 12 : 0);
  const fullGrid = (c: string) => gridOf(prep, c, grid);
  const observed: Targets = { total: prep.y, journeys, experiments: experiments.map((e) => e.target) };
  const dofTotal = Math.max(1, n - totalColumns);
  const dofJourney = Math.max(1, n - JOURNEY_COLUMNS - 1);

  // Feasible GLS: each journey equation is weighted by σ²_total / σ²_c, both estimated from the previous pass.
  let transforms = Object.fromEntries(channels.map((c) => [c, startTransform(prep, options, c)]));
  let solved = solve(prep, channelColumns(prep, transforms), transforms, observed, 0);
  const reweight = () => {
    const s2 = Math.max(solved.sse / dofTotal, 1e-12);
    for (const c of journeyChannels) prep.journeyWeight[c] = s2 / Math.max(solved.sseJourney[c] / dofJourney, 1e-12);
  };
  const passes = journeyChannels.length ? 2 : 1;
  for (let pass = 0; pass < passes; pass++) {
    if (journeyChannels.length) reweight();
    transforms = chooseTransforms(prep, options, transforms, { ...observed, experiments: [] }, 0, fullGrid);
    solved = solve(prep, channelColumns(prep, transforms), transforms, observed, 0);
  }
  // The residual variance of the total equation sets the experiments' weight.
  const sigma2 = solved.sse / dofTotal;
  const sigma2Pass2 = experiments.length ? Math.max(sigma2, 1e-12) : 0;
  if (sigma2Pass2 > 0) {
    transforms = chooseTransforms(prep, options, transforms, observed, sigma2Pass2, fullGrid);
    solved = solve(prep, channelColumns(prep, transforms), transforms, observed, sigma2Pass2);
  }
  const columns = channelColumns(prep, transforms);
  const { rows } = stackedRows(prep, columns, transforms, observed, 0);
  const fittedAll = rows.map((row) => row.reduce((s, x, j) => s + x * solved.coef[j], 0));
  const fitted = fittedAll.slice(0, n);
  const residuals = prep.y.map((y, t) => y - fitted[t]);
  const residualSd = Math.sqrt(sum(residuals.map((r) => r * r)) / dofTotal);
  const journeyFitted = Object.fromEntries(journeyChannels.map((c, k) => [c, fittedAll.slice(n * (k + 1), n * (k + 2))]));
  const journeyResiduals = Object.fromEntries(journeyChannels.map((c) => [c, journeys[c].map((y, t) => y - journeyFitted[c][t])]));

  // Fitted residuals are smaller than the errors by about the parameters spent on them (E[SSE] = σ²(n − p)), so
  // resampling them as they are gives intervals too narrow; rescale by √(n / (n − p)) (Davison & Hinkley 1997, §6.2.3).
  // p counts the month effects (their ridge is light) and the channels; a journey equation spends its 3 nuisance + β.
  const seasonDof = layout.season ? new Set(layout.moy).size - 1 : 0;
  const inflateTotal = Math.sqrt(n / Math.max(1, n - (totalColumns + seasonDof)));
  const inflateJourney = Math.sqrt(n / Math.max(1, n - JOURNEY_COLUMNS - 1));
  const draws: MmmCoefficients[] = [];
  const rechoose = options.bootstrapDecay ?? true;
  const replicateCandidates = (c: string, t: ChannelTransform) => replicateGridOf(prep, c, t, grid);
  for (let b = 0; b < replicates; b++) {
    // One set of month blocks for every equation, so their cross-correlation survives the resampling.
    const idx = blockIndices(n, options.blockLength ?? DEFAULTS.blockLength, rng);
    const star = (fit: readonly number[], res: readonly number[], inflate: number) => {
      const mean = sum(res) / n;
      return fit.map((f, t) => f + (res[idx[t]] - mean) * inflate);
    };
    const unitValue = channels.some((c) => prep.unitValueSe[c] > 0)
      ? Object.fromEntries(channels.map((c) => [c, Math.max(0, prep.unitValue[c] + prep.unitValueSe[c] * rng.normal(0, 1))]))
      : undefined;
    const targets: Targets = {
      total: star(fitted, residuals, inflateTotal),
      journeys: Object.fromEntries(journeyChannels.map((c) => [c, star(journeyFitted[c], journeyResiduals[c], inflateJourney)])),
      experiments: experiments.map((x) => x.target + rng.normal(0, x.stderr)),
      unitValue,
    };
    // Re-choosing the decays per replicate carries their uncertainty into the interval (one sweep, from the point choice).
    const tStar = rechoose ? chooseTransforms(prep, options, transforms, targets, sigma2Pass2, replicateCandidates, 1) : transforms;
    const coef = toCoefficients(layout, solve(prep, rechoose ? channelColumns(prep, tStar) : columns, tStar, targets, sigma2Pass2).coef);
    if (rechoose) {
      coef.transforms = tStar;
      coef.lastAdstock = lastAdstockOf(prep, tStar);
    }
    if (unitValue) coef.unitValue = unitValue;
    draws.push(coef);
  }
  return { transforms, coef: toCoefficients(layout, solved.coef), fitted, residuals, residualSd, draws };
}

/** Month indices of a moving-block bootstrap: blocks of consecutive months drawn with replacement. */
function blockIndices(n: number, block: number, rng: ReturnType<typeof createRng>): number[] {
  const L = Math.max(1, Math.min(block, n));
  const out: number[] = [];
  while (out.length < n) {
    const start = rng.int(0, n - L);
    for (let k = 0; k < L && out.length < n; k++) out.push(start + k);
  }
  return out;
}

/** A fit as it is stored (JSON): everything but the `response` closure. */
export type StoredMmm = Omit<MmmFit, 'response'>;

/** What is stored instead of a fit when there was none (see MmmHistoryTooShort). */
export interface MmmUnavailable {
  kind: 'unavailable';
  reason: string;
}

export function isMmmUnavailable(stored: StoredMmm | MmmUnavailable): stored is MmmUnavailable {
  return (stored as MmmUnavailable).kind === 'unavailable';
}

/**
 * A fit without its closure, to store as JSON, and the fit rebuilt from it.
 *
 * @example
 * const again = restoreMmm(JSON.parse(JSON.stringify(storeMmm(fit))));
 * again.response('webinar', 20_000).mean === fit.response('webinar', 20_000).mean; // true
 */
export function storeMmm(fit: MmmFit): StoredMmm {
  const { response: _response, ...data } = fit;
  return data;
}

export function restoreMmm(stored: StoredMmm): MmmFit {
  return { ...stored, response: (channel, spend) => mmmResponse(stored, channel, spend) };
}

/**
 * Each channel's identifiability: as the fit recorded it, or (a fit stored
 * before the flags existed, e.g. an older champion) assessed again from its
 * window spend and chosen decays with the default thresholds.
 */
export function mmmIdentifiability(fit: Pick<MmmFit, 'results' | 'spend' | 'transforms'>): Record<string, ChannelIdentifiability> {
  const recorded = fit.results.filter((r) => r.identifiability).map((r) => [r.channel, r.identifiability] as const);
  if (recorded.length === fit.results.length) return Object.fromEntries(recorded);
  return assessIdentifiability(fit.spend, Object.fromEntries(Object.entries(fit.transforms).map(([c, t]) => [c, t.decay])));
}

/** The series a stored fit was fitted on (outcome = fitted + residuals), e.g. to backtest its specification. */
export function mmmObservedInput(stored: StoredMmm): MmmInput {
  return { months: stored.months, outcome: stored.fitted.map((f, i) => f + stored.residuals[i]), spend: stored.spend };
}

/** The window has fewer months than the model has parameters to fit: a caller can go on without incrementality. */
export class MmmHistoryTooShort extends RangeError {
  override name = 'MmmHistoryTooShort';
  constructor(readonly months: number, readonly channels: number, readonly needed: number) {
    super(`${months} months are too few for ${channels} channels (need at least ${needed})`);
  }
}

/**
 * Fits the media-mix model (see the module comment) and reports per channel
 * the incremental ACV its window spend caused with bootstrap quantiles, ROI
 * and marginal ROI.
 *
 * @example
 * const fit = fitMmm({ months, outcome: oppsPerMonth, spend: { webinar: [...], event: [...] },
 *   unitValue: { webinar: 11_000, event: 16_000 }, baselineUnitValue: 9_000 }, { bootstrap: 200, seed: 7 });
 * fit.results.find((r) => r.channel === 'webinar')!.roi; // incremental ACV per dollar
 * fit.response('webinar', 20_000).mean;                  // ACV per month at $20k/month
 */
export function fitMmm(input: MmmInput, options: MmmOptions = {}): MmmFit {
  const n = input.months.length;
  if (input.outcome.length !== n) throw new RangeError(`outcome has ${input.outcome.length} values for ${n} months`);
  for (let i = 1; i < n; i++) {
    if (monthIndex(input.months[i]) !== monthIndex(input.months[i - 1]) + 1) {
      throw new RangeError(`months must be consecutive and ascending: ${input.months[i - 1]} then ${input.months[i]}`);
    }
  }
  const channels = Object.keys(input.spend).filter((c) => input.spend[c].some((x) => x > 0)).sort();
  for (const c of channels) {
    if (input.spend[c].length !== n) throw new RangeError(`spend of ${c} has ${input.spend[c].length} values for ${n} months`);
    if (input.spend[c].some((x) => !(x >= 0))) throw new RangeError(`spend of ${c} must be non-negative numbers`);
  }
  const journeyChannels = options.useJourneys === false ? [] : channels.filter((c) => input.journeys?.[c] !== undefined);
  for (const c of journeyChannels) {
    const j = input.journeys![c];
    if (j.length !== n) throw new RangeError(`journeys of ${c} has ${j.length} values for ${n} months`);
    if (j.some((x) => !(x >= 0))) throw new RangeError(`journeys of ${c} must be non-negative counts`);
  }
  const trend = options.trend ?? true;
  const seasonality = options.seasonality ?? 'month';
  const layout = layoutOf(input.months, channels, trend, seasonality === 'month', journeyChannels);
  const totalColumns = layout.jc0 - (layout.season ? 12 : 0);
  if (n < totalColumns + 2) throw new MmmHistoryTooShort(n, channels.length, totalColumns + 2);
  const first = monthIndex(input.months[0]);
  const spend = Object.fromEntries(channels.map((c) => [c, [...input.spend[c]]]));
  const unitValue = Object.fromEntries(channels.map((c) => [c, input.unitValue?.[c] ?? 1]));
  const experiments = (options.experiments ?? []).map((e) => {
    if (!channels.includes(e.channel)) throw new RangeError(`experiment on ${e.channel}: the channel has no spend in the window`);
    if (!(e.stderr > 0)) throw new RangeError(`experiment on ${e.channel}: stderr must be > 0`);
    const from = Math.max(0, monthIndex(e.start) - first);
    const to = Math.min(n - 1, monthIndex(e.end) - first);
    if (to < from) throw new RangeError(`experiment on ${e.channel} ${e.start}..${e.end} lies outside the window`);
    return { channel: e.channel, from, to, target: e.incremental_acv, stderr: e.stderr, weight: e.overrides ? TEST_OVERRIDES : 1 };
  });
  const journeys = Object.fromEntries(journeyChannels.map((c) => [c, [...input.journeys![c]]]));
  const nuisance = journeyNuisance(input.outcome, spend, journeyChannels);
  const prep: Prepared = {
    layout,
    y: [...input.outcome],
    spend,
    carry: Object.fromEntries(channels.map((c) => [c, carryOf(spend[c])])),
    unitValue,
    unitValueSe: Object.fromEntries(channels.map((c) => [c, Math.max(0, input.unitValueSe?.[c] ?? 0)])),
    experiments,
    ridge: options.ridge ?? DEFAULTS.ridge,
    seasonRidge: options.seasonRidge ?? DEFAULTS.seasonRidge,
    journeys,
    nuisance,
    journeyWeight: Object.fromEntries(journeyChannels.map((c) => [c, 1])),
    touchPrior: 1,
    ...baseRegressors(layout),
    nuisanceGram: Object.fromEntries(journeyChannels.map((c) => [c, gram(nuisance[c])])),
    columnCache: new Map(),
  };
  const grid: Grid = {
    decays: options.decays ?? DEFAULTS.decays,
    halfSaturations: options.halfSaturations ?? DEFAULTS.halfSaturations,
    shapes: options.shapes ?? DEFAULTS.shapes,
  };
  const strengths = journeyChannels.length ? [...(options.touchPriors ?? DEFAULTS.touchPriors)] : [1];
  if (!strengths.length || strengths.some((k) => !(k > 0))) throw new RangeError('touchPriors must be positive numbers');
  const replicates = options.bootstrap ?? DEFAULTS.bootstrap;
  const rng = createRng(deriveSeed(options.seed ?? DEFAULTS.seed, 'mmm-bootstrap'));
  // The point is the middle belief's fit; every belief contributes its share of the replicates (see `touchPriors`).
  const middle = Math.floor((strengths.length - 1) / 2);
  const specs = strengths.map((k, s) => fitUnderTouchPrior(prep, options, grid, k,
    Math.floor(replicates / strengths.length) + (s < replicates % strengths.length ? 1 : 0), rng));
  const point = specs[middle];
  const { transforms, fitted, residuals, residualSd } = point;
  const draws = strengths.length > 1
    ? specs.flatMap((sp, s) => sp.draws.map((d) => ({ ...d, prior: s })))
    : point.draws;
  const adstockAtEnd = (tr: Record<string, ChannelTransform>) => lastAdstockOf(prep, tr);
  const base = {
    months: [...input.months],
    channels,
    transforms,
    coef: point.coef,
    draws,
    ...(strengths.length > 1 ? { touchPriors: strengths, priorPoints: specs.map((sp) => ({ ...sp.coef, transforms: sp.transforms, lastAdstock: adstockAtEnd(sp.transforms) })) } : {}),
    fitted,
    residuals,
    residualSd,
    unitValue,
    baselineUnitValue: input.baselineUnitValue ?? 1,
    lastAdstock: adstockAtEnd(transforms),
    carry: prep.carry,
    spend,
    trend,
    seasonality,
  };
  const identifiability = assessIdentifiability(spend, Object.fromEntries(channels.map((c) => [c, transforms[c].decay])), options.identifiability);
  const results = channelResults(base, options.attributedAcv, identifiability);
  const fit: MmmFit = { ...base, results, response: (c, s) => mmmResponse(fit, c, s) };
  return fit;
}
