/**
 * Drift of a data drop against a reference: per feature, a distribution test
 * chosen by Evidently's rule by sample size, the population stability index
 * (PSI) beside it, the share of drifted features per source, and a row-count
 * anomaly check against earlier runs. Pure functions of plain arrays.
 *
 * The choices, stated once:
 * - PSI bins: a number's bins are cut at the reference's deciles (type-7
 *   quantiles, numpy's default; tied cut points merged), bin k being
 *   (edge[k-1], edge[k]]; a category's bins are its values. An empty bin's
 *   share becomes 1e-4 (as Evidently's `get_binned_data` does), so PSI stays
 *   finite; the other shares are not renormalised.
 * - Kolmogorov–Smirnov, two-sided: the exact p-value (every ordering of the
 *   pooled sample equally likely, counted by a lattice-path recursion) while
 *   n·m ≤ 10^7, else the asymptotic Kolmogorov distribution at
 *   (√nₑ + 0.12 + 0.11/√nₑ)·D with nₑ = nm/(n+m) (Stephens' correction, as
 *   in Numerical Recipes). Ties make the exact p-value conservative.
 * - Wasserstein-1 normed: W₁ / max(σ_ref, 0.001) with σ_ref the reference's
 *   population standard deviation (Evidently's "wasserstein distance (normed)").
 * - Chi-square: Pearson's test of homogeneity of the 2 × k table of category
 *   counts (reference and current), df = k − 1, no Yates correction; the
 *   p-value is Q(df/2, x/2), the regularised upper incomplete gamma
 *   (`chiSquareSurvival` of models/survival). A two-sample test rather than
 *   Evidently's goodness of fit to the reference shares: it allows for the
 *   reference's own sampling noise and stays finite when a category is new.
 * - Jensen–Shannon distance with the natural log (scipy's default base), so
 *   it lies in [0, √ln 2]; no smoothing (it is finite with empty bins).
 * - Evidently's rule: with a reference of at most 1000 rows, KS for numbers
 *   with more than 5 distinct values (over both samples), chi-square for
 *   categories and few-valued numbers, drifted when p < `pValue`; above 1000
 *   rows, normed Wasserstein for numbers and Jensen–Shannon for categories and
 *   few-valued numbers, drifted when the distance ≥ `distance`.
 * - One verdict per feature (`judge`): drifted when that test says so or PSI
 *   reaches `psiDrift`, PSI counting only when no bin is empty in either
 *   sample and the samples are large enough that PSI with no drift stays
 *   under `psiWarn`; `reason` states the verdict with every threshold.
 */
import { chiSquareSurvival } from './survival';

/** The thresholds of a drift verdict; the config's `drift` section holds them (config/schema.ts, with the defaults). */
export interface DriftThresholds {
  /** PSI from which a feature's level is 'warn'. */
  psiWarn: number;
  /** PSI from which a feature's level is 'drift' (and, where PSI counts, the feature drifted). */
  psiDrift: number;
  /** p-value under which a KS or chi-square test calls a feature drifted (samples up to 1000 rows). */
  pValue: number;
  /** Wasserstein (in standard deviations) or Jensen-Shannon distance over which a feature drifted (larger samples). */
  distance: number;
  /** A source drifted when this share of its features drifted. */
  shareDrifted: number;
  /** A row count this many standard deviations from the earlier runs' is an anomaly. */
  rowCountZ: number;
}
export type FeatureKind = 'number' | 'category';
export type DriftMethod = 'ks' | 'chisquare' | 'wasserstein' | 'jensenshannon' | 'none';

/** Rows of the reference up to which the p-value tests apply (Evidently's switch). */
export const SMALL_SAMPLE_ROWS = 1000;
/** A number with at most this many distinct values is tested as a category. */
export const FEW_VALUES = 5;
/** Share given to an empty PSI bin. */
export const PSI_EPSILON = 1e-4;
export const PSI_BINS = 10;
/** The exact KS p-value is computed while n·m stays under this (its cost). */
export const KS_EXACT_MAX_CELLS = 10_000_000;
/** How a missing category value is named in bins and reports. */
export const EMPTY_CATEGORY = '(empty)';

// ---------------------------------------------------------------------------
// PSI

/**
 * Type-7 quantile (linear interpolation between order statistics) of sorted values.
 *
 * @example
 * quantileSorted([1, 2, 3, 4], 0.5); // 2.5
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty sample');
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** PSI of two vectors of shares over the same bins, empty shares replaced by PSI_EPSILON. */
export function psiOfShares(reference: readonly number[], current: readonly number[]): number {
  if (reference.length !== current.length) throw new RangeError('psi: share vectors differ in length');
  let psi = 0;
  for (let k = 0; k < reference.length; k++) {
    const r = reference[k] > 0 ? reference[k] : PSI_EPSILON;
    const c = current[k] > 0 ? current[k] : PSI_EPSILON;
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

export interface PsiResult {
  psi: number;
  /** Upper edge of each bin (Infinity for the last) for numbers, the category for categories. */
  bins: (number | string)[];
  reference: number[];
  current: number[];
}

/**
 * PSI of a number, binned at the reference's deciles.
 *
 * @example
 * psiNumber([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).psi; // 0
 */
export function psiNumber(reference: readonly number[], current: readonly number[], bins = PSI_BINS): PsiResult {
  if (reference.length === 0 || current.length === 0) throw new RangeError('psi: a sample is empty');
  const sorted = [...reference].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = quantileSorted(sorted, k / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  const share = (xs: readonly number[]) => {
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const x of xs) counts[binOf(edges, x)]++;
    return counts.map((c) => c / xs.length);
  };
  const r = share(reference);
  const c = share(current);
  return { psi: psiOfShares(r, c), bins: [...edges, Infinity], reference: r, current: c };
}

/** Index of the first edge ≥ x (bins are (edge[k-1], edge[k]]), edges.length when above all. */
function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * PSI of category weights (counts, or dollars for a share of spend), one bin per category seen in either.
 *
 * @example
 * psiCategory(new Map([['a', 1], ['b', 1]]), new Map([['a', 1], ['b', 1]])).psi; // 0
 */
export function psiCategory(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): PsiResult {
  const { keys, ref, cur } = alignedShares(reference, current);
  return { psi: psiOfShares(ref, cur), bins: keys, reference: ref, current: cur };
}

function alignedShares(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>) {
  const keys = [...new Set([...reference.keys(), ...current.keys()])].sort();
  const total = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((s, x) => s + x, 0);
  const tr = total(reference);
  const tc = total(current);
  if (!(tr > 0) || !(tc > 0)) throw new RangeError('category shares: a sample has no weight');
  return { keys, ref: keys.map((k) => (reference.get(k) ?? 0) / tr), cur: keys.map((k) => (current.get(k) ?? 0) / tc) };
}

// ---------------------------------------------------------------------------
// Kolmogorov–Smirnov

/**
 * P(K > λ) for the Kolmogorov distribution: 2 Σ (−1)^(k−1) exp(−2k²λ²) for
 * λ ≥ 1, and 1 − √(2π)/λ Σ exp(−(2k−1)²π²/(8λ²)) below (each series converges
 * fast on its side; they are the same function by Jacobi's theta identity).
 *
 * @example
 * kolmogorovSurvival(1.3580986393225505); // 0.05 (the 5% critical value)
 */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 1) return 1 - kolmogorovCdfSmall(lambda);
  return kolmogorovSurvivalLarge(lambda);
}

/** The alternating series for P(K > λ) (fast for λ ≳ 1). */
export function kolmogorovSurvivalLarge(lambda: number): number {
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-18) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** The theta-function series for P(K ≤ λ) (fast for λ ≲ 1). */
export function kolmogorovCdfSmall(lambda: number): number {
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-((2 * k - 1) ** 2) * Math.PI * Math.PI / (8 * lambda * lambda));
    sum += term;
    if (term < 1e-18 * sum) break;
  }
  return Math.min(1, (Math.sqrt(2 * Math.PI) / lambda) * sum);
}

export interface KsResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
}

/**
 * Two-sample two-sided Kolmogorov–Smirnov test.
 *
 * @example
 * ksTwoSample([1, 2, 3], [4, 5, 6]); // { statistic: 1, pValue: 0.1, method: 'exact' } (2 of the 20 orderings)
 */
export function ksTwoSample(a: readonly number[], b: readonly number[]): KsResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) throw new RangeError('ks: a sample is empty');
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  // D·n·m as an integer: the largest |i·m − j·n| after each distinct value.
  let i = 0;
  let j = 0;
  let dScaled = 0;
  while (i < n || j < m) {
    const v = j >= m || (i < n && x[i] <= y[j]) ? x[i] : y[j];
    while (i < n && x[i] === v) i++;
    while (j < m && y[j] === v) j++;
    dScaled = Math.max(dScaled, Math.abs(i * m - j * n));
  }
  const statistic = dScaled / (n * m);
  if (n * m <= KS_EXACT_MAX_CELLS) return { statistic, pValue: ksExactPValue(n, m, dScaled), method: 'exact' };
  const en = (n * m) / (n + m);
  const lambda = (Math.sqrt(en) + 0.12 + 0.11 / Math.sqrt(en)) * statistic;
  return { statistic, pValue: kolmogorovSurvival(lambda), method: 'asymptotic' };
}

/**
 * P(max over the path of |i·m − j·n| ≥ dScaled) when the pooled sample's
 * ordering is uniformly random: a walk from (0,0) to (n,m) stepping i with
 * probability (n−i)/(n+m−i−j); mass that reaches the boundary is summed (not
 * 1 − the rest), so small p-values keep their precision.
 */
export function ksExactPValue(n: number, m: number, dScaled: number): number {
  if (dScaled <= 0) return 1;
  let row = new Float64Array(m + 1);
  let exited = 0;
  row[0] = 1;
  for (let i = 0; i <= n; i++) {
    const next = new Float64Array(m + 1);
    for (let j = 0; j <= m; j++) {
      const mass = row[j];
      if (mass === 0) continue;
      const left = n + m - i - j;
      if (left === 0) continue;
      if (i < n) {
        const p = mass * (n - i) / left;
        if (Math.abs((i + 1) * m - j * n) >= dScaled) exited += p;
        else next[j] += p;
      }
      if (j < m) {
        const p = mass * (m - j) / left;
        if (Math.abs(i * m - (j + 1) * n) >= dScaled) exited += p;
        else row[j + 1] += p;
      }
    }
    row = next;
  }
  return Math.min(1, exited);
}

// ---------------------------------------------------------------------------
// Wasserstein, Jensen–Shannon, chi-square

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

// ---------------------------------------------------------------------------
// One feature, one source, row counts

export type PsiLevel = 'ok' | 'warn' | 'drift';

export interface FeatureDrift {
  /** As declared; a few-valued number is tested as a category (see `testedAs`). */
  kind: FeatureKind;
  testedAs: FeatureKind;
  method: DriftMethod;
  /** KS D, chi-square X², normed W₁ or JS distance; null when a sample is empty. */
  statistic: number | null;
  pValue: number | null;
  psi: number | null;
  psiLevel: PsiLevel | null;
  /** The p-value (tests) or distance the statistic is held against. */
  threshold: number;
  /** The one verdict: the test's, or PSI at or over `psiDrift` where PSI counts (see `judge`). */
  drifted: boolean;
  /** What made it drifted: the test, PSI, both; empty when not drifted. */
  decidedBy: ('test' | 'psi')[];
  /** Whether PSI was held against `psiDrift`: false when a bin is empty in a sample (see `judge`). */
  psiCounted: boolean;
  /** The verdict in words, with every threshold it was held against. */
  reason: string;
  referenceN: number;
  currentN: number;
  detail: Record<string, unknown>;
}

const levelOf = (psi: number, t: DriftThresholds): PsiLevel => (psi >= t.psiDrift ? 'drift' : psi >= t.psiWarn ? 'warn' : 'ok');

const countsOf = (xs: readonly string[]) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};

function insufficient(kind: FeatureKind, referenceN: number, currentN: number): FeatureDrift {
  const reason = referenceN === 0 ? 'the reference has no values' : 'this drop has no values';
  return {
    kind, testedAs: kind, method: 'none', statistic: null, pValue: null, psi: null, psiLevel: null, threshold: 0, drifted: false,
    decidedBy: [], psiCounted: false, reason: `not tested: ${reason}`, referenceN, currentN, detail: { reason },
  };
}

const METHOD_NAMES: Record<Exclude<DriftMethod, 'none'>, string> = {
  ks: 'KS', chisquare: 'chi-square', wasserstein: 'normed Wasserstein', jensenshannon: 'Jensen–Shannon',
};
const fixed = (x: number) => (Math.abs(x) >= 0.001 || x === 0 ? x.toFixed(3) : x.toExponential(1));

/**
 * PSI's level with no drift at all, from sampling alone: n·m/(n+m)·PSI tends
 * to χ² with k − 1 degrees of freedom (PSI is the symmetric Kullback–Leibler
 * divergence, ≈ the chi-square distance of nearby shares), so its mean is
 * (k − 1)(1/n + 1/m).
 *
 * @example
 * psiNoiseLevel(10, 28, 310); // 0.35: ten bins over 28 rows average above the 0.25 "drift" rule of thumb by chance
 */
export function psiNoiseLevel(bins: number, n: number, m: number): number {
  return Math.max(0, bins - 1) * (1 / n + 1 / m);
}

/**
 * One verdict per feature, held against every threshold the report shows:
 * drifted when the test says so (p < `pValue`, or distance ≥ `distance`) or
 * when PSI reaches `psiDrift` where PSI counts. PSI counts when its bands can
 * mean what they say: no bin empty in either sample (an empty bin's share is
 * the stand-in PSI_EPSILON, and its term (c − r)·ln(c/r) then measures the
 * stand-in, not the data), and samples large enough that PSI with no drift
 * stays under `psiWarn` (`psiNoiseLevel`; dollar shares have no sampling
 * noise: `sizes` null). The issue's `industry`, PSI 3.7 on a few dozen new
 * accounts, failed both while chi-square found nothing: the test, which
 * allows for sample size, decides such a feature, and `reason` says why PSI
 * did not.
 *
 * @example
 * judge({ method: 'chisquare', statistic: 4.2, pValue: 0.31, threshold: 0.05, drifted: false },
 *   { psi: 3.7, bins: ['a', 'b'], reference: [0.5, 0.5], current: [1, 0] }, { n: 300, m: 28 }, DEFAULT_CONFIG.drift).drifted; // false (an empty bin)
 */
export function judge(
  test: { method: Exclude<DriftMethod, 'none'>; statistic: number; pValue: number | null; threshold: number; drifted: boolean },
  psi: PsiResult,
  sizes: { n: number; m: number } | null,
  t: DriftThresholds,
): Pick<FeatureDrift, 'drifted' | 'decidedBy' | 'psiCounted' | 'reason'> {
  const empty = psi.bins.filter((_, k) => !(psi.reference[k] > 0) || !(psi.current[k] > 0)).length;
  const noise = sizes ? psiNoiseLevel(psi.bins.length, sizes.n, sizes.m) : 0;
  const psiCounted = empty === 0 && noise < t.psiWarn;
  const psiDrifted = psiCounted && psi.psi >= t.psiDrift;
  const decidedBy: ('test' | 'psi')[] = [...(test.drifted ? ['test' as const] : []), ...(psiDrifted ? ['psi' as const] : [])];
  const name = METHOD_NAMES[test.method];
  const testText = test.pValue !== null
    ? `${name} p = ${fixed(test.pValue)} ${test.drifted ? '<' : '≥'} ${test.threshold}`
    : `${name} ${fixed(test.statistic)} ${test.drifted ? '≥' : '<'} ${test.threshold}`;
  const psiText = psiCounted ? `PSI ${fixed(psi.psi)} ${psiDrifted ? '≥' : '<'} ${t.psiDrift}`
    : empty > 0 ? `PSI ${fixed(psi.psi)} not counted: ${empty} of ${psi.bins.length} bins empty in a sample, where PSI scores a stand-in share of ${PSI_EPSILON}`
    : `PSI ${fixed(psi.psi)} not counted: ${psi.bins.length} bins over ${sizes!.m} rows against ${sizes!.n} average PSI ${fixed(noise)} with no drift, over the ${t.psiWarn} warn level`;
  return { drifted: decidedBy.length > 0, decidedBy, psiCounted, reason: `${decidedBy.length ? 'drifted' : 'not drifted'}: ${testText}; ${psiText}` };
}

/**
 * A number's drift: KS (reference ≤ 1000 rows) or normed Wasserstein, or the
 * category tests when it takes at most 5 distinct values; PSI beside it.
 * Nulls are dropped before (callers pass values only).
 *
 * @example
 * numberDrift([1, 2, 3, 4, 5, 6, 7], [11, 12, 13, 14, 15, 16, 17], DEFAULT_CONFIG.drift).drifted; // true (KS p = 0.0006)
 */
export function numberDrift(reference: readonly number[], current: readonly number[], t: DriftThresholds): FeatureDrift {
  if (reference.length === 0 || current.length === 0) return insufficient('number', reference.length, current.length);
  const distinct = new Set([...reference, ...current]).size;
  if (distinct <= FEW_VALUES) {
    const out = categoryDrift(reference.map(String), current.map(String), t);
    return { ...out, kind: 'number', detail: { ...out.detail, distinct } };
  }
  const psi = psiNumber(reference, current);
  const small = reference.length <= SMALL_SAMPLE_ROWS;
  const base = {
    kind: 'number' as const, testedAs: 'number' as const, psi: psi.psi, psiLevel: levelOf(psi.psi, t),
    referenceN: reference.length, currentN: current.length,
  };
  const detail = {
    distinct, referenceMean: mean(reference), currentMean: mean(current), referenceMedian: median(reference), currentMedian: median(current),
    psiBins: psi.bins.map((b) => (b === Infinity ? null : b)), psiReference: psi.reference, psiCurrent: psi.current,
  };
  if (small) {
    const ks = ksTwoSample(reference, current);
    const test = { method: 'ks' as const, statistic: ks.statistic, pValue: ks.pValue, threshold: t.pValue, drifted: ks.pValue < t.pValue };
    return { ...base, ...test, ...judge(test, psi, { n: reference.length, m: current.length }, t), detail: { ...detail, ksPValue: ks.method } };
  }
  const w = wassersteinNormed(reference, current);
  const test = { method: 'wasserstein' as const, statistic: w, pValue: null, threshold: t.distance, drifted: w >= t.distance };
  return { ...base, ...test, ...judge(test, psi, { n: reference.length, m: current.length }, t), detail };
}

/**
 * A category's drift: chi-square (reference ≤ 1000 rows) or Jensen–Shannon; PSI beside it.
 * Callers name missing values EMPTY_CATEGORY, so a rise in blanks is drift too.
 *
 * @example
 * categoryDrift(['a', 'a', 'b'], ['a', 'a', 'b'], DEFAULT_CONFIG.drift).drifted; // false
 */
export function categoryDrift(reference: readonly string[], current: readonly string[], t: DriftThresholds): FeatureDrift {
  if (reference.length === 0 || current.length === 0) return insufficient('category', reference.length, current.length);
  const rc = countsOf(reference);
  const cc = countsOf(current);
  const psi = psiCategory(rc, cc);
  const base = {
    kind: 'category' as const, testedAs: 'category' as const, psi: psi.psi, psiLevel: levelOf(psi.psi, t),
    referenceN: reference.length, currentN: current.length,
  };
  const detail = { categories: psi.bins, referenceShares: psi.reference, currentShares: psi.current };
  if (reference.length <= SMALL_SAMPLE_ROWS) {
    const chi = chiSquareHomogeneity(rc, cc);
    const test = { method: 'chisquare' as const, statistic: chi.statistic, pValue: chi.pValue, threshold: t.pValue, drifted: chi.pValue < t.pValue };
    return { ...base, ...test, ...judge(test, psi, { n: reference.length, m: current.length }, t), detail: { ...detail, df: chi.df } };
  }
  const js = jensenShannonDistance(psi.reference, psi.current);
  const test = { method: 'jensenshannon' as const, statistic: js, pValue: null, threshold: t.distance, drifted: js >= t.distance };
  return { ...base, ...test, ...judge(test, psi, { n: reference.length, m: current.length }, t), detail };
}

/**
 * Drift of a share of weights across categories (e.g. spend dollars by
 * channel): the weights are not counts of a sample, so no p-value test
 * applies; the Jensen–Shannon distance of the shares is held against
 * `distance` whatever the size, PSI beside it.
 *
 * @example
 * shareDrift(new Map([['a', 50], ['b', 50]]), new Map([['a', 90], ['b', 10]]), DEFAULT_CONFIG.drift).drifted; // true
 */
export function shareDrift(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>, t: DriftThresholds): FeatureDrift {
  const total = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((s, x) => s + x, 0);
  if (!(total(reference) > 0) || !(total(current) > 0)) return insufficient('category', reference.size, current.size);
  const psi = psiCategory(reference, current);
  const js = jensenShannonDistance(psi.reference, psi.current);
  const test = { method: 'jensenshannon' as const, statistic: js, pValue: null, threshold: t.distance, drifted: js >= t.distance };
  return {
    kind: 'category', testedAs: 'category', ...test, psi: psi.psi, psiLevel: levelOf(psi.psi, t),
    ...judge(test, psi, null, t), referenceN: reference.size, currentN: current.size,
    detail: { categories: psi.bins, referenceShares: psi.reference, currentShares: psi.current, weights: 'shares of a total, not counts' },
  };
}

export interface SourceDrift {
  tested: number;
  drifted: number;
  /** drifted / tested (features with an empty sample are not tested); 0 with none tested. */
  share: number;
  isDrifted: boolean;
}

/**
 * A source drifted when the share of its tested features that drifted reaches `shareDrifted`.
 *
 * @example
 * sourceDrift([{ method: 'ks', drifted: true }, { method: 'ks', drifted: false }], DEFAULT_CONFIG.drift); // share 0.5, drifted
 */
export function sourceDrift(features: readonly Pick<FeatureDrift, 'method' | 'drifted'>[], t: DriftThresholds): SourceDrift {
  const tested = features.filter((f) => f.method !== 'none');
  const drifted = tested.filter((f) => f.drifted).length;
  const share = tested.length > 0 ? drifted / tested.length : 0;
  return { tested: tested.length, drifted, share, isDrifted: tested.length > 0 && share >= t.shareDrifted };
}

/** Earlier runs a row count needs before it is judged. */
export const MIN_ROW_HISTORY = 3;

export interface RowCountCheck {
  status: 'ok' | 'anomaly' | 'not enough history';
  /** (count − mean) / sd; null without history, or when every earlier count was 0. */
  z: number | null;
  mean: number | null;
  /** The sd used: the earlier counts' sample sd, at least √mean. */
  sd: number | null;
  sampleSd: number | null;
  history: number;
  reason: string;
}

/**
 * This drop's row count against the counts of earlier runs: a z-score with
 * their mean and standard deviation, an anomaly beyond `rowCountZ`. The sd is
 * the sample sd of the earlier counts but at least √mean, the Poisson noise
 * of a count: three earlier counts that happen to lie close together (62, 63,
 * 64) would otherwise make an ordinary 54 look nine sds away. Fewer than 3
 * earlier runs: "not enough history" rather than a guess.
 *
 * @example
 * rowCountAnomaly(170, [100, 120, 80], DEFAULT_CONFIG.drift); // sd 20 (sample), z = 3.5, anomaly
 * rowCountAnomaly(125, [100, 102, 98], DEFAULT_CONFIG.drift); // sd 10 (√100 > 2), z = 2.5, ok
 */
export function rowCountAnomaly(count: number, history: readonly number[], t: Pick<DriftThresholds, 'rowCountZ'>): RowCountCheck {
  if (history.length < MIN_ROW_HISTORY) {
    return { status: 'not enough history', z: null, mean: null, sd: null, sampleSd: null, history: history.length,
      reason: `${history.length} earlier run(s); at least ${MIN_ROW_HISTORY} are needed` };
  }
  const mu = mean(history);
  const sampleSd = Math.sqrt(history.reduce((s, x) => s + (x - mu) ** 2, 0) / (history.length - 1));
  const sd = Math.max(sampleSd, Math.sqrt(mu));
  if (sd === 0) {
    const same = count === 0;
    return { status: same ? 'ok' : 'anomaly', z: null, mean: mu, sd, sampleSd, history: history.length,
      reason: same ? 'no rows, as in every earlier run' : `every earlier run had no rows; this drop has ${count}` };
  }
  const z = (count - mu) / sd;
  const anomaly = Math.abs(z) > t.rowCountZ;
  return { status: anomaly ? 'anomaly' : 'ok', z, mean: mu, sd, sampleSd, history: history.length,
    reason: `${count} rows against a mean of ${mu.toFixed(1)} (sd ${sd.toFixed(1)}) over ${history.length} earlier runs: z = ${z.toFixed(2)}` };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

function median(xs: readonly number[]): number {
  return quantileSorted([...xs].sort((a, b) => a - b), 0.5);
}
