/**
 * The shifted-beta-geometric (sBG) model of contractual retention
 * (Fader & Hardie 2007, "How to Project Customer Retention", J. Interactive
 * Marketing 21(1)).
 *
 * Each customer churns at every renewal with her own probability θ, and θ
 * varies across customers as Beta(α, β). Then, for t = 1, 2, …
 *   P(T = t) = B(α + 1, β + t − 1) / B(α, β)
 *   S(t)     = B(α, β + t) / B(α, β)
 *   r(t)     = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1)
 * so retention rises with t: the customers who churn easily leave first.
 * α and β are fitted by maximum likelihood to a cohort's survivor counts
 * N_0 … N_n by Nelder–Mead on (log α, log β), which keeps both positive.
 */

export interface SbgParams {
  alpha: number;
  beta: number;
}

export interface SbgFit extends SbgParams {
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

/**
 * P(T = t) for t = 1 … n, by the recursion P(1) = α / (α + β),
 * P(t) = P(t − 1) (β + t − 2) / (α + β + t − 1).
 *
 * @example
 * sbgChurnProbabilities({ alpha: 1, beta: 1 }, 3); // [1/2, 1/6, 1/12]
 */
export function sbgChurnProbabilities(params: SbgParams, n: number): number[] {
  const { alpha: a, beta: b } = params;
  const out: number[] = [];
  let p = a / (a + b);
  for (let t = 1; t <= n; t++) {
    if (t > 1) p *= (b + t - 2) / (a + b + t - 1);
    out.push(p);
  }
  return out;
}

/**
 * S(0) … S(horizon): the share of a starting cohort still customers after t renewals.
 *
 * @example
 * sbgSurvival({ alpha: 1, beta: 1 }, 2); // [1, 1/2, 1/3]
 */
export function sbgSurvival(params: SbgParams, horizon: number): number[] {
  const out = [1];
  for (let t = 1; t <= horizon; t++) out.push(out[t - 1] * sbgRetention(params, t));
  return out;
}

/**
 * The retention rate r(t) = (β + t − 1) / (α + β + t − 1): the share of those
 * alive at period t − 1 who are still there at t.
 *
 * @example
 * sbgRetention({ alpha: 1, beta: 1 }, 1); // 0.5
 */
export function sbgRetention(params: SbgParams, t: number): number {
  if (!(t >= 1)) throw new RangeError(`retention is defined for t >= 1, got ${t}`);
  return (params.beta + t - 1) / (params.alpha + params.beta + t - 1);
}

function validateSurvivors(survivors: readonly number[]): void {
  if (survivors.length < 2) throw new RangeError('survivors needs N0 and at least one later count');
  for (let t = 0; t < survivors.length; t++) {
    const v = survivors[t];
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`survivors[${t}] must be a count >= 0, got ${v}`);
    if (t > 0 && v > survivors[t - 1]) throw new RangeError(`survivors must not increase: N${t} = ${v} > N${t - 1} = ${survivors[t - 1]}`);
  }
  if (!(survivors[0] > 0)) throw new RangeError('N0 must be > 0');
}

/**
 * Log-likelihood of survivor counts N_0 … N_n:
 * Σ_{t=1..n} (N_{t−1} − N_t) log P(T = t) + N_n log S(n).
 *
 * @example
 * sbgLogLikelihood({ alpha: 1, beta: 1 }, [2, 1]); // log(1/2) + log(1/2)
 */
export function sbgLogLikelihood(params: SbgParams, survivors: readonly number[]): number {
  const n = survivors.length - 1;
  const p = sbgChurnProbabilities(params, n);
  const s = sbgSurvival(params, n);
  let ll = 0;
  for (let t = 1; t <= n; t++) {
    const lost = survivors[t - 1] - survivors[t];
    if (lost > 0) ll += lost * Math.log(p[t - 1]);
  }
  if (survivors[n] > 0) ll += survivors[n] * Math.log(s[n]);
  return ll;
}

/** Nelder–Mead simplex maximisation of f over R² (standard coefficients 1, 2, ½, ½). */
function nelderMead2(f: (x: readonly number[]) => number, start: readonly number[], tol: number, maxIter: number) {
  let simplex = [start.slice(), [start[0] + 0.5, start[1]], [start[0], start[1] + 0.5]].map((x) => ({ x, v: f(x) }));
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIter; iterations++) {
    simplex.sort((a, b) => b.v - a.v);
    const [best, mid, worst] = simplex;
    if (Math.abs(best.v - worst.v) < tol && Math.hypot(best.x[0] - worst.x[0], best.x[1] - worst.x[1]) < 1e-9) {
      converged = true;
      break;
    }
    const centroid = [(best.x[0] + mid.x[0]) / 2, (best.x[1] + mid.x[1]) / 2];
    const along = (k: number) => [centroid[0] + k * (worst.x[0] - centroid[0]), centroid[1] + k * (worst.x[1] - centroid[1])];
    const reflected = along(-1);
    const rv = f(reflected);
    if (rv > best.v) {
      const expanded = along(-2);
      const ev = f(expanded);
      simplex[2] = ev > rv ? { x: expanded, v: ev } : { x: reflected, v: rv };
    } else if (rv > mid.v) {
      simplex[2] = { x: reflected, v: rv };
    } else {
      const contracted = rv > worst.v ? along(-0.5) : along(0.5);
      const cv = f(contracted);
      if (cv > Math.max(rv, worst.v)) {
        simplex[2] = { x: contracted, v: cv };
      } else {
        simplex = simplex.map((p, i) => {
          if (i === 0) return p;
          const x = [best.x[0] + (p.x[0] - best.x[0]) / 2, best.x[1] + (p.x[1] - best.x[1]) / 2];
          return { x, v: f(x) };
        });
      }
    }
  }
  simplex.sort((a, b) => b.v - a.v);
  return { x: simplex[0].x, value: simplex[0].v, iterations, converged };
}

/**
 * Fit α and β by maximum likelihood to survivor counts N_0 … N_n of one cohort.
 *
 * @example
 * // Fader & Hardie's "regular" customers, years 0–7:
 * const fit = fitSbg([1000, 631, 468, 382, 326, 289, 262, 241]);
 * [fit.alpha, fit.beta]; // ≈ [0.704, 1.182], logLikelihood ≈ −1680.3
 */
export function fitSbg(survivors: readonly number[], options: { maxIter?: number } = {}): SbgFit {
  validateSurvivors(survivors);
  const f = (x: readonly number[]) => {
    const v = sbgLogLikelihood({ alpha: Math.exp(x[0]), beta: Math.exp(x[1]) }, survivors);
    return Number.isFinite(v) ? v : -Infinity;
  };
  const r = nelderMead2(f, [0, 0], 1e-12, options.maxIter ?? 2000);
  return { alpha: Math.exp(r.x[0]), beta: Math.exp(r.x[1]), logLikelihood: r.value, iterations: r.iterations, converged: r.converged };
}

/**
 * Log-likelihood of renewal decisions pooled over cohorts that started at
 * different times (right-censored): at the t-th renewal, `atRisk[t-1]`
 * contracts were up for renewal and `churned[t-1]` of them left. The sBG
 * retention r(t) = (β + t − 1)/(α + β + t − 1) is the probability of renewing
 * at the t-th decision given the t − 1 before it, so the likelihood is the
 * product of binomial terms — for a single fully observed cohort it equals
 * `sbgLogLikelihood` on its survivor counts (the tests check this).
 */
export function sbgAtRiskLogLikelihood(params: SbgParams, atRisk: readonly number[], churned: readonly number[]): number {
  let ll = 0;
  for (let t = 1; t <= atRisk.length; t++) {
    const r = sbgRetention(params, t);
    const lost = churned[t - 1];
    const kept = atRisk[t - 1] - lost;
    if (lost > 0) ll += lost * Math.log(1 - r);
    if (kept > 0) ll += kept * Math.log(r);
  }
  return ll;
}

/**
 * Fit α and β to renewal decisions pooled over cohorts (see
 * `sbgAtRiskLogLikelihood`): what the cycle has, since contracts start in
 * different months and most have not yet faced every renewal.
 *
 * @example
 * // the regular customers as one cohort: at risk 1000, 631, …; churned 369, 163, …
 * fitSbgAtRisk([1000, 631, 468], [369, 163, 86]);
 */
export function fitSbgAtRisk(atRisk: readonly number[], churned: readonly number[], options: { maxIter?: number } = {}): SbgFit {
  if (atRisk.length === 0 || atRisk.length !== churned.length) throw new RangeError('atRisk and churned need the same, non-zero length');
  for (let t = 0; t < atRisk.length; t++) {
    if (!(Number.isInteger(atRisk[t]) && Number.isInteger(churned[t]) && churned[t] >= 0 && churned[t] <= atRisk[t])) {
      throw new RangeError(`decision ${t + 1}: churned (${churned[t]}) must be an integer between 0 and at risk (${atRisk[t]})`);
    }
  }
  const f = (x: readonly number[]) => {
    const v = sbgAtRiskLogLikelihood({ alpha: Math.exp(x[0]), beta: Math.exp(x[1]) }, atRisk, churned);
    return Number.isFinite(v) ? v : -Infinity;
  };
  const r = nelderMead2(f, [0, 0], 1e-12, options.maxIter ?? 2000);
  return { alpha: Math.exp(r.x[0]), beta: Math.exp(r.x[1]), logLikelihood: r.value, iterations: r.iterations, converged: r.converged };
}

/**
 * Fit to survivor counts, then project survival and retention to a horizon.
 * `survival[t]` is S(t) for t = 0 … horizon; `retention[t − 1]` is r(t).
 *
 * @example
 * const p = projectRetention([1000, 631, 468, 382, 326, 289, 262, 241], 12);
 * p.survival.length; // 13
 */
export function projectRetention(survivors: readonly number[], horizon?: number): SbgFit & { survival: number[]; retention: number[] } {
  const fit = fitSbg(survivors);
  const h = horizon ?? survivors.length - 1;
  if (!Number.isInteger(h) || h < 1) throw new RangeError(`horizon must be an integer >= 1, got ${h}`);
  const survival = sbgSurvival(fit, h);
  const retention = Array.from({ length: h }, (_, i) => sbgRetention(fit, i + 1));
  return { ...fit, survival, retention };
}
