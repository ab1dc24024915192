/** The large-sample measures (normed Wasserstein, Jensen–Shannon), the chi-square test of homogeneity of categories, and the means and medians they share. */
import { chiSquareSurvival } from '../survival';
import { quantileSorted } from './psi';

/**
 * Wasserstein-1 distance of two empirical distributions: ∫ |F(x) − G(x)| dx.
 *
 * @example
 * wassersteinDistance([0, 1, 3], [5, 6, 8]); // 5
 */
export function wassersteinDistance(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) throw new RangeError('wasserstein: a sample is empty');
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let prev = Math.min(x[0], y[0]);
  let w = 0;
  while (i < x.length || j < y.length) {
    const v = j >= y.length || (i < x.length && x[i] <= y[j]) ? x[i] : y[j];
    w += Math.abs(i / x.length - j / y.length) * (v - prev);
    prev = v;
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
  }
  return w;
}

/** Population standard deviation (numpy's default ddof = 0). */
export function populationSd(xs: readonly number[]): number {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
}

/**
 * W₁ in units of the reference's standard deviation (floored at 0.001, as Evidently does).
 *
 * @example
 * wassersteinNormed([0, 2], [1, 3]); // 1 (W₁ = 1, σ = 1)
 */
export function wassersteinNormed(reference: readonly number[], current: readonly number[]): number {
  return wassersteinDistance(reference, current) / Math.max(populationSd(reference), 0.001);
}

/**
 * Jensen–Shannon distance (natural log) of two weight vectors, each normalised to sum 1.
 *
 * @example
 * jensenShannonDistance([1, 0], [0, 1]); // Math.sqrt(Math.LN2)
 */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new RangeError('jensen-shannon: vectors differ in length');
  const sp = p.reduce((s, x) => s + x, 0);
  const sq = q.reduce((s, x) => s + x, 0);
  if (!(sp > 0) || !(sq > 0)) throw new RangeError('jensen-shannon: a vector has no weight');
  let js = 0;
  for (let k = 0; k < p.length; k++) {
    const a = p[k] / sp;
    const b = q[k] / sq;
    const mid = (a + b) / 2;
    if (a > 0) js += 0.5 * a * Math.log(a / mid);
    if (b > 0) js += 0.5 * b * Math.log(b / mid);
  }
  return Math.sqrt(Math.max(0, js));
}

export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
}

/**
 * Pearson's chi-square test that two samples of categories share one distribution (2 × k table).
 *
 * @example
 * chiSquareHomogeneity(new Map([['a', 10], ['b', 20]]), new Map([['a', 20], ['b', 10]])); // statistic 6.667, df 1
 */
export function chiSquareHomogeneity(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): ChiSquareResult {
  const keys = [...new Set([...reference.keys(), ...current.keys()])].filter((k) => (reference.get(k) ?? 0) + (current.get(k) ?? 0) > 0);
  const nr = keys.reduce((s, k) => s + (reference.get(k) ?? 0), 0);
  const nc = keys.reduce((s, k) => s + (current.get(k) ?? 0), 0);
  if (!(nr > 0) || !(nc > 0)) throw new RangeError('chi-square: a sample is empty');
  const total = nr + nc;
  let statistic = 0;
  for (const k of keys) {
    const r = reference.get(k) ?? 0;
    const c = current.get(k) ?? 0;
    const col = r + c;
    const er = (nr * col) / total;
    const ec = (nc * col) / total;
    statistic += (r - er) ** 2 / er + (c - ec) ** 2 / ec;
  }
  const df = keys.length - 1;
  return { statistic, df, pValue: df > 0 ? chiSquareSurvival(statistic, df) : 1 };
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

export function median(xs: readonly number[]): number {
  return quantileSorted([...xs].sort((a, b) => a - b), 0.5);
}
