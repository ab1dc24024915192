/** One belief about touches: the point fit (feasible GLS, transform search) and its moving-block bootstrap replicates. */
import type { createRng } from '../random';
import { channelColumns, JOURNEY_COLUMNS, lastAdstockOf, stackedRows, sum, type Prepared, type Targets } from './design';
import { chooseTransforms, gridOf, replicateGridOf, startTransform, type Grid } from './grid';
import { solve, toCoefficients } from './solve';
import { DEFAULTS, type ChannelTransform, type MmmCoefficients, type MmmOptions } from './types';

/** The point fit and bootstrap draws under one belief about touches (see `touchPriors`). */
export interface PriorFit {
  transforms: Record<string, ChannelTransform>;
  coef: MmmCoefficients;
  fitted: number[];
  residuals: number[];
  residualSd: number;
  draws: MmmCoefficients[];
}

/**
 * Fits the model with the journey level penalised at `strength` × the base
 * ridge (see `channelPenalties`): chooses the transforms (feasible GLS in two
 * passes, then again with the experiments), solves, and draws `replicates`
 * moving-block bootstrap replicates from `rng`.
 */
export function fitUnderTouchPrior(prep: Prepared, options: MmmOptions, grid: Grid, strength: number, replicates: number,
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
export function blockIndices(n: number, block: number, rng: ReturnType<typeof createRng>): number[] {
  const L = Math.max(1, Math.min(block, n));
  const out: number[] = [];
  while (out.length < n) {
    const start = rng.int(0, n - L);
    for (let k = 0; k < L && out.length < n; k++) out.push(start + k);
  }
  return out;
}
