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
 *
 * Where each part lives: psi.ts, ks.ts, distances.ts (Wasserstein,
 * Jensen–Shannon, chi-square), verdict.ts (one feature: the rule, `judge`),
 * source.ts (a source's share of drifted features, row counts).
 */

export { EMPTY_CATEGORY, PSI_BINS, PSI_EPSILON, psiCategory, psiNumber, psiOfShares, quantileSorted, type PsiResult } from './psi';
export { kolmogorovCdfSmall, kolmogorovSurvival, kolmogorovSurvivalLarge, KS_EXACT_MAX_CELLS, ksExactPValue, ksTwoSample, type KsResult } from './ks';
export { chiSquareHomogeneity, jensenShannonDistance, populationSd, wassersteinDistance, wassersteinNormed, type ChiSquareResult } from './distances';
export { categoryDrift, FEW_VALUES, judge, numberDrift, psiNoiseLevel, shareDrift, SMALL_SAMPLE_ROWS, type DriftMethod, type DriftThresholds, type FeatureDrift, type FeatureKind, type PsiLevel } from './verdict';
export { MIN_ROW_HISTORY, rowCountAnomaly, sourceDrift, type RowCountCheck, type SourceDrift } from './source';
