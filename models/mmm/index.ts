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
 *   (total alone) to ~0.7-0.9 (tests/models/mmm/truth.test.ts).
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
 *   On the designed simulation (tests/models/mmm/intervals.test.ts) the 80%
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
 *
 * Where each part lives: types.ts (input, options, fit, defaults), design.ts
 * (column layout, channel columns, journey nuisance, stacked rows,
 * penalties), solve.ts (normal equations + NNLS), grid.ts (the transform
 * search), bootstrap.ts (one belief's fit and its block bootstrap),
 * results.ts (per-channel results, pooling over beliefs, intervals),
 * predict.ts (response curves, predictions), stored.ts (a fit as JSON and
 * back); this file checks the input and puts them together (`fitMmm`).
 */
import { monthIndex } from '../../lib/dates';
import { assessIdentifiability } from '../identifiability';
import { createRng, deriveSeed } from '../random';
import { fitUnderTouchPrior } from './bootstrap';
import { baseRegressors, carryOf, gram, journeyNuisance, lastAdstockOf, layoutOf, type Prepared } from './design';
import type { Grid } from './grid';
import { mmmResponse } from './predict';
import { channelResults } from './results';
import { DEFAULTS, TEST_OVERRIDES, type ChannelTransform, type MmmFit, type MmmInput, type MmmOptions } from './types';

export type { ChannelTransform, MmmChannelResult, MmmCoefficients, MmmExperiment, MmmFit, MmmInput, MmmOptions, Quantiles } from './types';
export { TEST_OVERRIDES } from './types';
export { overBeliefs, quantile, quantiles, unidentifiedInterval, windowUnits } from './results';
export { liftUnits } from './design';
export { mmmResponse, predictMmm, type MmmPrediction, type SpendPlan } from './predict';
export { isMmmUnavailable, mmmIdentifiability, mmmObservedInput, restoreMmm, storeMmm, type MmmUnavailable, type StoredMmm } from './stored';

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

