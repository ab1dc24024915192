/**
 * The search: the exact optimum on a spend grid (a dynamic programme over
 * channels), the plan the objective picks from it, and the continuous polish
 * by pairwise transfers.
 */
import { sampleStandardDeviation } from 'simple-statistics';
import { fail, usd } from './windows';
import type { ChannelResponse } from './types';

/** Objective of one channel at a spend: response − λ·sd(draws). Throws on a curve that returns a non-number. */
export function channelObjective(c: ChannelResponse, lambda: number): (x: number) => number {
  const check = (v: number, x: number, what: string) => {
    if (!Number.isFinite(v)) throw new RangeError(`channel ${c.channel}: ${what} at spend ${x} is not a finite number (${v})`);
    return v;
  };
  const draws = c.draws ?? [];
  // Only a locked channel may lack draws under a penalty (validateInputs); its spend is fixed, so no penalty steers it.
  if (lambda === 0 || draws.length < 2) return (x) => check(c.response(x), x, 'response');
  return (x) => {
    const mean = check(c.response(x), x, 'response');
    const vals = draws.map((d, k) => check(d(x), x, `draw ${k}`));
    return mean - lambda * sampleStandardDeviation(vals);
  };
}

/**
 * The best transfer t in [a, b] of g: a coarse scan, then golden-section
 * search around the best scanned point. Curves may be non-concave, so the
 * scan decides the basin and the golden section only polishes it.
 */
export function bestOnInterval(g: (t: number) => number, a: number, b: number): { t: number; v: number } {
  const n = 20;
  let best = { t: a, v: g(a), k: 0 };
  for (let k = 1; k <= n; k++) {
    const t = k === n ? b : a + ((b - a) * k) / n;
    const v = g(t);
    if (v > best.v) best = { t, v, k };
  }
  let lo = a + ((b - a) * Math.max(0, best.k - 1)) / n;
  let hi = a + ((b - a) * Math.min(n, best.k + 1)) / n;
  const r = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - r * (hi - lo);
  let x2 = lo + r * (hi - lo);
  let f1 = g(x1);
  let f2 = g(x2);
  for (let it = 0; it < 60 && hi - lo > 1e-12 * Math.max(1, Math.abs(a), Math.abs(b)); it++) {
    if (f1 >= f2) {
      hi = x2;
      [x2, f2] = [x1, f1];
      x1 = hi - r * (hi - lo);
      f1 = g(x1);
    } else {
      lo = x1;
      [x1, f1] = [x2, f2];
      x2 = lo + r * (hi - lo);
      f2 = g(x2);
    }
  }
  const [t, v] = f1 >= f2 ? [x1, f1] : [x2, f2];
  return v > best.v ? { t, v } : { t: best.t, v: best.v };
}

/**
 * Local polish of a grid optimum: move money between every pair of channels
 * (or between a channel and unspent budget) by up to `radius`, keeping each
 * within its window, until no transfer gains. Only gains are accepted, so the
 * result is never worse than the grid optimum.
 */
export function refineByTransfers(
  x: number[],
  lo: readonly number[],
  hi: readonly number[],
  obj: readonly ((s: number) => number)[],
  radius: number,
  scale: number,
): void {
  const eps = 1e-12 * scale;
  const movable = x.map((_, i) => i).filter((i) => hi[i] - lo[i] > eps);
  const vals = x.map((v, i) => obj[i](v));
  for (let sweep = 0; sweep < 100; sweep++) {
    let gain = 0;
    for (let a = 0; a < movable.length; a++) {
      for (let b = a + 1; b < movable.length; b++) {
        const i = movable[a];
        const j = movable[b];
        const tLo = Math.max(lo[i] - x[i], x[j] - hi[j], -radius);
        const tHi = Math.min(hi[i] - x[i], x[j] - lo[j], radius);
        if (!(tHi - tLo > eps)) continue;
        const base = vals[i] + vals[j];
        const best = bestOnInterval((t) => obj[i](x[i] + t) + obj[j](x[j] - t), tLo, tHi);
        if (best.v > base + 1e-12 * Math.max(1, Math.abs(base))) {
          const sum = x[i] + x[j];
          x[i] = Math.min(hi[i], Math.max(lo[i], x[i] + best.t));
          x[j] = sum - x[i];
          vals[i] = obj[i](x[i]);
          vals[j] = obj[j](x[j]);
          gain += best.v - base;
        }
      }
    }
    if (!(gain > 1e-12 * Math.max(1, Math.abs(vals.reduce((s, v) => s + v, 0))))) break;
  }
}

/** The exact search on the grid: f[k] = best objective with Σ k_i = k over all channels, and the plan that reaches it. */
export interface GridOptimum {
  /** Steps of the grid over the spend free to move (0 when nothing is free). */
  K: number;
  /** Spacing of the grid (USD). */
  h: number;
  f: Float64Array;
  planAt(k: number): number[];
}

/** Each channel's spend is lower_i + j·h (capped at upper_i); the dynamic programme finds the best Σ j = k for every k. */
export function gridOptimum(obj: readonly ((x: number) => number)[], lower: readonly number[], upper: readonly number[],
  slack: number, steps: number, tol: number): GridOptimum {
  const n = obj.length;
  const K = slack > tol ? steps : 0;
  const h = K ? slack / K : 0;
  const gridX = (i: number, j: number) => Math.min(upper[i], lower[i] + j * h);
  let f = new Float64Array(K + 1).fill(-Infinity);
  f[0] = 0;
  const choice: Int32Array[] = [];
  for (let i = 0; i < n; i++) {
    const m = h > 0 ? Math.min(K, Math.floor((upper[i] - lower[i]) / h + 1e-9)) : 0;
    const vals = Array.from({ length: m + 1 }, (_, j) => obj[i](gridX(i, j)));
    const g = new Float64Array(K + 1).fill(-Infinity);
    const ch = new Int32Array(K + 1).fill(-1);
    for (let k = 0; k <= K; k++) {
      for (let j = 0, top = Math.min(k, m); j <= top; j++) {
        const prev = f[k - j];
        if (prev === -Infinity) continue;
        const v = prev + vals[j];
        if (v > g[k]) {
          g[k] = v;
          ch[k] = j;
        }
      }
    }
    choice.push(ch);
    f = g;
  }
  const planAt = (k: number): number[] => {
    const x = new Array<number>(n);
    for (let i = n - 1; i >= 0; i--) {
      const j = choice[i][k];
      x[i] = gridX(i, j);
      k -= j;
    }
    return x;
  };
  return { K, h, f, planAt };
}

export const sumOf = (x: readonly number[]) => x.reduce((s, v) => s + v, 0);
export const expectedOf = (channels: readonly ChannelResponse[], x: readonly number[]) => x.reduce((s, v, i) => s + channels[i].response(v), 0);

/**
 * 'target-roi': the largest grid total whose best plan's expected ACV per
 * dollar reaches the target; none, a conflict naming the best ROI reachable.
 */
export function targetRoiPlan(channels: readonly ChannelResponse[], grid: GridOptimum, target: number, budget: number,
  lowerSum: number, upperSum: number): number[] {
  const { K, f, planAt } = grid;
  let best = { roi: -Infinity, total: 0 };
  let atMin: number | null = null;
  for (let k = K; k >= 0; k--) {
    if (f[k] === -Infinity) continue;
    const plan = planAt(k);
    const t = sumOf(plan);
    if (!(t > 0)) continue;
    const roi = expectedOf(channels, plan) / t;
    if (k === 0) atMin = roi;
    if (roi > best.roi) best = { roi, total: t };
    if (roi >= target) return plan;
  }
  const reach = Math.min(budget, upperSum);
  const roiText = (r: number) => r.toFixed(4);
  return fail([{ kind: 'target_roi', channels: [], amount: best.roi === -Infinity ? target : target - best.roi,
    message: best.roi === -Infinity
      ? `no spend is possible (the total can only be $0), so no ROI can meet the target ${target}`
      : `no total spend from ${usd(lowerSum)} to ${usd(reach)} meets the target ROI ${target} ACV per dollar: ` +
        `the best achievable is ${roiText(best.roi)} at a total of ${usd(best.total)}` +
        (atMin !== null ? `, the minimum feasible spend ${usd(lowerSum)} gives ${roiText(atMin)}` : '') }]);
}

/** 'at_most': the best grid plan at any total up to the budget. */
export function bestPlanAtMost(grid: GridOptimum): number[] {
  let kBest = 0;
  for (let k = 1; k <= grid.K; k++) if (grid.f[k] > grid.f[kBest]) kBest = k;
  return grid.planAt(kBest);
}

/** 'equal': the best grid plan at the whole budget, topped up where the grid floors a window below it. */
export function wholeBudgetPlan(grid: GridOptimum, upper: readonly number[], budget: number): number[] {
  let k = grid.K;
  while (grid.f[k] === -Infinity) k--; // Σ windows reaches the budget but the grid floors each window: top up below
  const x = grid.planAt(k);
  let rest = budget - sumOf(x);
  for (let i = 0; i < x.length && rest > 0; i++) {
    const add = Math.min(rest, upper[i] - x[i]);
    x[i] += add;
    rest -= add;
  }
  return x;
}

/**
 * The grid plan polished within one grid step (`refineByTransfers`). With
 * `unspent`, the budget left over is a channel worth nothing, so single
 * channels can grow or shrink alone. With `targetRoi`, a polish that falls
 * below the target (an uncertainty penalty may trade expected ACV for less
 * risk) is undone.
 */
export function refinedPlan(channels: readonly ChannelResponse[], x: number[], lower: readonly number[], upper: readonly number[],
  obj: readonly ((x: number) => number)[], o: { budget: number; step: number; tol: number; unspent: boolean; targetRoi: number | null }): number[] {
  const n = channels.length;
  const before = x.slice();
  const los = [...lower];
  const his = [...upper];
  const objs = [...obj];
  if (o.unspent) {
    x.push(o.budget - sumOf(x));
    los.push(0);
    his.push(Infinity);
    objs.push(() => 0);
  }
  refineByTransfers(x, los, his, objs, Math.max(o.step, o.tol), Math.max(1, o.budget));
  x.length = n;
  if (o.targetRoi !== null && expectedOf(channels, x) / sumOf(x) < o.targetRoi) return before;
  return x;
}
