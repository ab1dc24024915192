/**
 * Kaplan–Meier product-limit estimator with Greenwood variance.
 *
 * Conventions follow lifelines' `KaplanMeierFitter`: one point per distinct
 * observed time (event or censoring), deaths at a time are counted before
 * censorings at the same time, the median is the first time where
 * S(t) <= 0.5, and the default interval is the exponential-Greenwood
 * ("log-log") one. Also the log-rank test for k groups and the chi-square
 * tail it needs.
 */
import { choleskySolve } from './linalg';
import { Z_AT_0_90, Z_AT_0_95, Z_AT_0_975 } from './normal';

export interface KmPoint {
  time: number;
  /** Subjects at risk just before `time`. */
  atRisk: number;
  events: number;
  censored: number;
  /** S(time), right-continuous. */
  survival: number;
  /** Greenwood variance of S(time): S² Σ d / (n (n − d)). */
  variance: number;
  lower: number;
  upper: number;
}

export interface KmFit {
  points: KmPoint[];
  /** First time with S <= 0.5; null when the curve never gets there. */
  median: number | null;
  n: number;
  events: number;
  ci: 'log-log' | 'plain';
  alpha: number;
}

export interface KmOptions {
  /** Interval type. Default 'log-log' (lifelines' default). */
  ci?: 'log-log' | 'plain';
  /** 1 − confidence level. Default 0.05. Only 0.05, 0.1 and 0.2 are supported. */
  alpha?: number;
}

const Z_BY_ALPHA: Record<string, number> = {
  '0.05': Z_AT_0_975,
  '0.1': Z_AT_0_95,
  '0.2': Z_AT_0_90,
};

/**
 * Fit a Kaplan–Meier curve to right-censored durations.
 *
 * @example
 * const km = kaplanMeier([1, 2, 2, 3], [1, 1, 0, 1]);
 * km.points.map((p) => p.survival); // [0.75, 0.5, 0]
 * km.median;                        // 2
 */
export function kaplanMeier(
  times: readonly number[],
  events: readonly (number | boolean)[],
  options: KmOptions = {},
): KmFit {
  if (times.length !== events.length) {
    throw new RangeError(`times (${times.length}) and events (${events.length}) differ in length`);
  }
  const ci = options.ci ?? 'log-log';
  const alpha = options.alpha ?? 0.05;
  const z = Z_BY_ALPHA[String(alpha)];
  if (z === undefined) throw new RangeError(`alpha ${alpha} not supported (use 0.05, 0.1 or 0.2)`);

  const n = times.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  for (const t of times) {
    if (!Number.isFinite(t) || t < 0) throw new RangeError(`durations must be finite and >= 0, got ${t}`);
  }
  idx.sort((a, b) => times[a] - times[b]);

  const points: KmPoint[] = [];
  let atRisk = n;
  let s = 1;
  let greenwoodSum = 0;
  let totalEvents = 0;
  for (let k = 0; k < n; ) {
    const t = times[idx[k]];
    let d = 0;
    let c = 0;
    while (k < n && times[idx[k]] === t) {
      if (events[idx[k]]) d++;
      else c++;
      k++;
    }
    if (d > 0) {
      s *= 1 - d / atRisk;
      greenwoodSum += atRisk === d ? Infinity : d / (atRisk * (atRisk - d));
    }
    totalEvents += d;
    const variance = s === 0 ? 0 : s * s * greenwoodSum;
    let lower: number;
    let upper: number;
    if (s === 1 || greenwoodSum === 0) {
      lower = upper = s;
    } else if (s === 0) {
      lower = upper = 0;
    } else if (ci === 'plain') {
      const half = z * Math.sqrt(variance);
      lower = Math.max(0, s - half);
      upper = Math.min(1, s + half);
    } else {
      const logS = Math.log(s);
      const sd = Math.sqrt(greenwoodSum) / Math.abs(logS);
      const center = Math.log(-logS);
      lower = Math.exp(-Math.exp(center + z * sd));
      upper = Math.exp(-Math.exp(center - z * sd));
    }
    points.push({ time: t, atRisk, events: d, censored: c, survival: s, variance, lower, upper });
    atRisk -= d + c;
  }
  const hit = points.find((p) => p.survival <= 0.5);
  return { points, median: hit ? hit.time : null, n, events: totalEvents, ci, alpha };
}

/**
 * S(t) of a fitted curve (a right-continuous step function; 1 before the first point).
 *
 * @example
 * survivalAt(kaplanMeier([1, 2, 3], [1, 1, 1]), 2.5); // 1/3
 */
export function survivalAt(fit: KmFit, t: number): number {
  const pts = fit.points;
  let lo = 0;
  let hi = pts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pts[mid].time <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 1 : pts[lo - 1].survival;
}

// ---------------------------------------------------------------------------
// Chi-square tail and the log-rank test

/** log Γ(x) for x > 0 by the Lanczos approximation (g = 7, 9 terms; ~15 significant digits). */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a): a power series
 * for P = 1 − Q when x < a + 1, else a Lentz continued fraction for Q (each
 * converges fast on its side).
 *
 * @example
 * gammaQ(1, 2); // Math.exp(-2)
 */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`gammaQ needs a > 0 and x >= 0, got a=${a}, x=${x}`);
  if (x === 0) return 1;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

/**
 * P(X > x) for X ~ chi-square with `df` degrees of freedom.
 *
 * @example
 * chiSquareSurvival(3.841458820694124, 1); // 0.05
 */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`df must be > 0, got ${df}`);
  if (x <= 0) return 1;
  return gammaQ(df / 2, x / 2);
}

export interface LogRankGroup {
  group: string;
  n: number;
  observed: number;
  expected: number;
}

export interface LogRankResult {
  /** (O − E)ᵀ V⁻¹ (O − E) over the first k − 1 groups. */
  statistic: number;
  df: number;
  p: number;
  groups: LogRankGroup[];
}

/**
 * The log-rank test that k groups share one survival curve: at every distinct
 * event time the deaths are shared out in proportion to the numbers at risk
 * (hypergeometric mean and covariance), and the summed observed-minus-expected
 * vector is referred to a chi-square with k − 1 degrees of freedom. Groups are
 * reported in sorted order.
 *
 * @example
 * const r = logRankTest([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 0], ['a', 'a', 'a', 'b', 'b', 'b']);
 * r.df; // 1
 */
export function logRankTest(
  times: readonly number[],
  events: readonly (number | boolean)[],
  groups: readonly string[],
): LogRankResult {
  const n = times.length;
  if (events.length !== n || groups.length !== n) throw new RangeError(`times, events and groups differ in length (${n}, ${events.length}, ${groups.length})`);
  const names = [...new Set(groups)].sort();
  const k = names.length;
  if (k < 2) throw new RangeError(`the log-rank test needs at least two groups, got ${k}`);
  const g = groups.map((x) => names.indexOf(x));
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a] - times[b]);
  const atRisk = new Array<number>(k).fill(0);
  for (const gi of g) atRisk[gi]++;
  const size = atRisk.slice();
  const observed = new Array<number>(k).fill(0);
  const expected = new Array<number>(k).fill(0);
  const v: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let total = n;
  for (let pos = 0; pos < n; ) {
    const t = times[idx[pos]];
    const deaths = new Array<number>(k).fill(0);
    const leaving = new Array<number>(k).fill(0);
    for (; pos < n && times[idx[pos]] === t; pos++) {
      const i = idx[pos];
      leaving[g[i]]++;
      if (events[i]) deaths[g[i]]++;
    }
    const d = deaths.reduce((s, x) => s + x, 0);
    if (d > 0) {
      const spread = total > 1 ? (d * (total - d)) / (total - 1) : 0;
      for (let a = 0; a < k; a++) {
        observed[a] += deaths[a];
        expected[a] += (d * atRisk[a]) / total;
        for (let b = 0; b < k; b++) {
          const share = atRisk[a] / total;
          v[a][b] += spread * share * ((a === b ? 1 : 0) - atRisk[b] / total);
        }
      }
    }
    for (let a = 0; a < k; a++) atRisk[a] -= leaving[a];
    total -= leaving.reduce((s, x) => s + x, 0);
  }
  // A group never at risk at an event time has O = E = 0 and no variance: it carries no
  // information and is left out of the test (and its degrees of freedom).
  const informative = names.map((_, a) => a).filter((a) => v[a][a] > 1e-12);
  if (informative.length < 2) throw new RangeError('log-rank test: fewer than two groups are at risk at any event time');
  // The deviations of the informative groups sum to zero: drop the last to make V invertible.
  const kept = informative.slice(0, -1);
  const u = kept.map((a) => observed[a] - expected[a]);
  const vr = kept.map((a) => kept.map((b) => v[a][b]));
  const solved = choleskySolve(vr, u);
  const statistic = u.reduce((s, x, a) => s + x * solved[a], 0);
  const df = informative.length - 1;
  return {
    statistic,
    df,
    p: chiSquareSurvival(statistic, df),
    groups: names.map((name, a) => ({ group: name, n: size[a], observed: observed[a], expected: expected[a] })),
  };
}
