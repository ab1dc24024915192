/** One feature's drift: the test Evidently's rule picks by sample size, PSI beside it, and one verdict with its reason (`judge`). */
import { PSI_EPSILON, psiCategory, psiNumber, type PsiResult } from './psi';
import { ksTwoSample } from './ks';
import { chiSquareHomogeneity, jensenShannonDistance, mean, median, wassersteinNormed } from './distances';

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

export const levelOf = (psi: number, t: DriftThresholds): PsiLevel => (psi >= t.psiDrift ? 'drift' : psi >= t.psiWarn ? 'warn' : 'ok');

export const countsOf = (xs: readonly string[]) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};

export function insufficient(kind: FeatureKind, referenceN: number, currentN: number): FeatureDrift {
  const reason = referenceN === 0 ? 'the reference has no values' : 'this drop has no values';
  return {
    kind, testedAs: kind, method: 'none', statistic: null, pValue: null, psi: null, psiLevel: null, threshold: 0, drifted: false,
    decidedBy: [], psiCounted: false, reason: `not tested: ${reason}`, referenceN, currentN, detail: { reason },
  };
}

export const METHOD_NAMES: Record<Exclude<DriftMethod, 'none'>, string> = {
  ks: 'KS', chisquare: 'chi-square', wasserstein: 'normed Wasserstein', jensenshannon: 'Jensen–Shannon',
};

export const fixed = (x: number) => (Math.abs(x) >= 0.001 || x === 0 ? x.toFixed(3) : x.toExponential(1));

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
