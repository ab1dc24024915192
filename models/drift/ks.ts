/** The two-sample Kolmogorov–Smirnov test: exact p-value on small samples, Kolmogorov's distribution with Stephens' correction above. */

/** The exact KS p-value is computed while n·m stays under this (its cost). */
export const KS_EXACT_MAX_CELLS = 10_000_000;

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
