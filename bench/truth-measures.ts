/**
 * What the truth bench measures, as pure functions of plain numbers: rank
 * agreement, the planted response of a budget, and the best budget the
 * planted curves allow inside the same guardrail box.
 */

// Spearman's rho with ties at their average rank (a harvest and a null channel both have ROI 0): the
// gate's own, so the bench and the gate agree on what a ranking is worth. NaN when either side is constant.
export { averageRanks, spearman } from '../models/evaluation';
import { hillSaturation, steadyAdstock } from '../models/adstock';
import { quantile } from '../models/mmm';

/** Linear-interpolated quantile of unsorted numbers (NaNs left out); NaN when none are left. */
export function quantileOf(xs: readonly number[], q: number): number {
  return quantile(xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b), q);
}

/** A channel's planted response curve, as truth.json's `world.channels` writes it. */
export interface PlantedCurve {
  betaOppsPerMonth: number;
  adstockDecay: number;
  halfSaturationUsd: number;
  hillAlpha: number;
  acvPerOpportunity: number;
}

/**
 * Expected won ACV caused per month by a steady monthly spend (USD), from
 * the planted curve: beta · Hill(s / (1 − decay)) · ACV per opportunity.
 *
 * @example plantedMonthlyAcv({ betaOppsPerMonth: 2, adstockDecay: 0.5, halfSaturationUsd: 200, hillAlpha: 1, acvPerOpportunity: 10 }, 100) // 10
 */
export function plantedMonthlyAcv(c: PlantedCurve, spend: number): number {
  if (c.betaOppsPerMonth === 0 || spend <= 0) return 0;
  return c.betaOppsPerMonth * hillSaturation(steadyAdstock(spend, c.adstockDecay), c.halfSaturationUsd, c.hillAlpha) * c.acvPerOpportunity;
}

/** Planted monthly ACV of a whole budget (channel → monthly spend). */
export function plantedBudgetAcv(curves: Readonly<Record<string, PlantedCurve>>, budget: Readonly<Record<string, number>>): number {
  let v = 0;
  for (const [c, s] of Object.entries(budget)) v += plantedMonthlyAcv(curves[c], s);
  return v;
}

export interface BoxChannel {
  channel: string;
  lower: number;
  upper: number;
  value: (spend: number) => number;
}

/**
 * The best split of `total` over channels each held to [lower, upper], for a
 * separable value Σ value_c(spend_c): exhaustive over a grid of `units`
 * equal steps of what is left above the lower limits, by dynamic programming
 * (exact on the grid, whatever the curves' shape; an S-shaped Hill curve is
 * not concave, so greedy marginal steps could stop short).
 */
export function bestSplit(channels: readonly BoxChannel[], total: number, units = 800): { spend: Record<string, number>; value: number } {
  const floor = channels.reduce((s, c) => s + c.lower, 0);
  const free = total - floor;
  if (free < -1e-9 * Math.max(1, total)) throw new RangeError(`the lower limits (${floor}) exceed the total (${total})`);
  const step = free > 0 ? free / units : 0;
  const K = free > 0 ? units : 0;
  // best[k]: the most value from the channels so far using k steps; choice[c][k]: steps channel c took there.
  let best = new Array<number>(K + 1).fill(-Infinity);
  best[0] = 0;
  const choice: Int32Array[] = [];
  for (const c of channels) {
    const maxSteps = step > 0 ? Math.min(K, Math.floor((c.upper - c.lower) / step + 1e-9)) : 0;
    const vals = Array.from({ length: maxSteps + 1 }, (_, j) => c.value(c.lower + j * step));
    const next = new Array<number>(K + 1).fill(-Infinity);
    const pick = new Int32Array(K + 1).fill(-1);
    for (let k = 0; k <= K; k++) {
      if (best[k] === -Infinity) continue;
      for (let j = 0; j <= maxSteps && k + j <= K; j++) {
        const v = best[k] + vals[j];
        if (v > next[k + j]) [next[k + j], pick[k + j]] = [v, j];
      }
    }
    best = next;
    choice.push(pick);
  }
  if (best[K] === -Infinity) throw new RangeError(`the upper limits cannot take the total (${total})`);
  const spend: Record<string, number> = {};
  let k = K;
  for (let i = channels.length - 1; i >= 0; i--) {
    const j = choice[i][k];
    spend[channels[i].channel] = channels[i].lower + j * step;
    k -= j;
  }
  return { spend, value: best[K] };
}
