/**
 * Kaplan–Meier product-limit estimator with Greenwood variance.
 *
 * Conventions follow lifelines' `KaplanMeierFitter`: one point per distinct
 * observed time (event or censoring), deaths at a time are counted before
 * censorings at the same time, the median is the first time where
 * S(t) <= 0.5, and the default interval is the exponential-Greenwood
 * ("log-log") one.
 */

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
  '0.05': 1.959963984540054,
  '0.1': 1.6448536269514722,
  '0.2': 1.2815515655446004,
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
