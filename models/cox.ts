/**
 * Cox proportional hazards by Newton–Raphson on the partial likelihood.
 *
 * Tied event times use Efron's approximation by default (what R's
 * `survival::coxph` and lifelines' `CoxPHFitter` use), Breslow's on request.
 * Standard errors are the square roots of the diagonal of the inverse observed
 * information at the maximum; concordance is Harrell's C of the fitted linear
 * predictor (higher risk should fail sooner).
 */
import { choleskySolve } from './linalg';

export type CoxTies = 'efron' | 'breslow';

export interface CoxOptions {
  /** Tie handling. Default 'efron'. */
  ties?: CoxTies;
  /** Newton iterations at most. Default 50. */
  maxIter?: number;
  /** Converged when the log-likelihood changes by less than this (relative) and the step is small. Default 1e-9. */
  tol?: number;
}

export interface CoxFit {
  coefficients: number[];
  standardErrors: number[];
  /** Log partial likelihood at the fitted coefficients. */
  logLikelihood: number;
  /** Log partial likelihood at β = 0 (for the likelihood-ratio test). */
  nullLogLikelihood: number;
  /** Harrell's C of the fitted linear predictor. */
  concordance: number;
  iterations: number;
  converged: boolean;
  n: number;
  events: number;
  ties: CoxTies;
}

interface Derivatives {
  loglik: number;
  grad: number[];
  /** Observed information −∂²ℓ/∂β². */
  info: number[][];
}

/** Subjects sorted by descending time, events before censorings at a tie (so a risk set is a prefix). */
function riskOrder(times: readonly number[], events: readonly boolean[]): number[] {
  const idx = Array.from({ length: times.length }, (_, i) => i);
  idx.sort((a, b) => times[b] - times[a] || Number(events[a]) - Number(events[b]));
  return idx;
}

/**
 * Log partial likelihood, its gradient and the observed information at β.
 * Walks times from the largest down, so the risk-set sums S0, S1, S2 grow by
 * accumulation; at each distinct event time with d deaths the Efron term
 * subtracts l/d of the deaths' own sums for l = 0 … d−1 (Breslow: l = 0 only).
 */
function partialLikelihood(
  x: readonly (readonly number[])[],
  times: readonly number[],
  events: readonly boolean[],
  order: readonly number[],
  beta: readonly number[],
  ties: CoxTies,
  withDerivatives: boolean,
): Derivatives {
  const n = order.length;
  const p = beta.length;
  let s0 = 0;
  const s1 = new Array<number>(p).fill(0);
  const s2: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const grad = new Array<number>(p).fill(0);
  const info: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  let loglik = 0;
  const eta = x.map((row) => row.reduce((s, v, j) => s + v * beta[j], 0));

  for (let k = 0; k < n; ) {
    const t = times[order[k]];
    // Everyone with this time joins the risk set; the deaths among them also form the tie sums.
    let d = 0;
    let d0 = 0;
    const d1 = new Array<number>(p).fill(0);
    const d2: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (; k < n && times[order[k]] === t; k++) {
      const i = order[k];
      const w = Math.exp(eta[i]);
      s0 += w;
      for (let a = 0; a < p; a++) {
        s1[a] += w * x[i][a];
        if (withDerivatives) for (let b = 0; b <= a; b++) s2[a][b] += w * x[i][a] * x[i][b];
      }
      if (events[i]) {
        d++;
        d0 += w;
        loglik += eta[i];
        for (let a = 0; a < p; a++) {
          grad[a] += x[i][a];
          d1[a] += w * x[i][a];
          if (withDerivatives) for (let b = 0; b <= a; b++) d2[a][b] += w * x[i][a] * x[i][b];
        }
      }
    }
    for (let l = 0; l < d; l++) {
      const f = ties === 'efron' ? l / d : 0;
      const phi = s0 - f * d0;
      loglik -= Math.log(phi);
      const mean = s1.map((v, a) => (v - f * d1[a]) / phi);
      for (let a = 0; a < p; a++) grad[a] -= mean[a];
      if (withDerivatives) {
        for (let a = 0; a < p; a++) {
          for (let b = 0; b <= a; b++) info[a][b] += (s2[a][b] - f * d2[a][b]) / phi - mean[a] * mean[b];
        }
      }
    }
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) info[b][a] = info[a][b];
  return { loglik, grad, info };
}

/** Inverse of a symmetric positive-definite matrix, column by column through Cholesky solves. */
function spdInverse(a: readonly (readonly number[])[]): number[][] {
  const p = a.length;
  const cols = Array.from({ length: p }, (_, j) => choleskySolve(a, Array.from({ length: p }, (_, i) => (i === j ? 1 : 0))));
  return Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => cols[j][i]));
}

/**
 * Harrell's concordance index: among comparable pairs (the shorter time is an
 * observed event; a censoring tied with an event time counts as later), the
 * share where the subject that failed first has the higher risk score; tied
 * scores count one half. Pairs of tied event times are not comparable.
 *
 * O(n log n): times are walked from the latest down while a Fenwick tree
 * counts, by risk rank, the subjects known to be later; each event then asks
 * how many of them have a lower (or equal) risk. The cycle fits Cox on tens
 * of thousands of customer lifetimes, where the pairwise loop took seconds.
 *
 * @example
 * concordanceIndex([1, 2, 3], [1, 1, 1], [3, 2, 1]); // 1: risk falls as time grows
 */
export function concordanceIndex(
  times: readonly number[],
  events: readonly (number | boolean)[],
  riskScores: readonly number[],
): number {
  const n = times.length;
  // Dense ranks of the risk scores, 1-based for the Fenwick tree.
  const distinct = [...new Set(riskScores)].sort((a, b) => a - b);
  const rankOf = new Map(distinct.map((r, k) => [r, k + 1]));
  const rank = riskScores.map((r) => rankOf.get(r)!);
  const tree = new Float64Array(distinct.length + 1);
  const add = (r: number) => { for (; r < tree.length; r += r & -r) tree[r]++; };
  const below = (r: number) => { let c = 0; for (; r > 0; r -= r & -r) c += tree[r]; return c; };

  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => times[b] - times[a]);
  let concordant = 0;
  let comparable = 0;
  let inTree = 0;
  for (let g = 0; g < n; ) {
    let h = g;
    while (h < n && times[order[h]] === times[order[g]]) h++;
    // Censorings at this time are later than the events at it; then the events ask; then they too are later for earlier times.
    for (let k = g; k < h; k++) if (!events[order[k]]) { add(rank[order[k]]); inTree++; }
    for (let k = g; k < h; k++) {
      const i = order[k];
      if (!events[i]) continue;
      const lower = below(rank[i] - 1);
      const tied = below(rank[i]) - lower;
      comparable += inTree;
      concordant += lower + 0.5 * tied;
    }
    for (let k = g; k < h; k++) if (events[order[k]]) { add(rank[order[k]]); inTree++; }
    g = h;
  }
  if (comparable === 0) throw new RangeError('concordanceIndex: no comparable pairs');
  return concordant / comparable;
}

/**
 * Fit a Cox proportional-hazards model. `x` has one row per subject and one
 * column per covariate (no intercept: the baseline hazard absorbs it).
 * Newton steps are halved while they lower the partial likelihood.
 *
 * @example
 * const fit = fitCox([[0], [1], [0], [1], [1]], [5, 3, 2, 4, 6], [1, 1, 1, 0, 1]);
 * fit.coefficients[0];    // log hazard ratio of x = 1 against x = 0
 * fit.standardErrors[0];  // from the inverse observed information
 */
export function fitCox(
  x: readonly (readonly number[])[],
  times: readonly number[],
  events: readonly (number | boolean)[],
  options: CoxOptions = {},
): CoxFit {
  const n = x.length;
  if (n === 0) throw new RangeError('fitCox: no rows');
  if (times.length !== n || events.length !== n) throw new RangeError(`fitCox: ${n} rows but ${times.length} times and ${events.length} events`);
  const p = x[0].length;
  if (p === 0) throw new RangeError('fitCox: no covariates');
  for (const t of times) if (!Number.isFinite(t)) throw new RangeError(`fitCox: durations must be finite, got ${t}`);
  const ties = options.ties ?? 'efron';
  const maxIter = options.maxIter ?? 50;
  const tol = options.tol ?? 1e-9;
  const ev = events.map(Boolean);
  const nEvents = ev.filter(Boolean).length;
  if (nEvents === 0) throw new RangeError('fitCox: no events');
  const order = riskOrder(times, ev);

  // Centring the covariates leaves β unchanged and keeps exp(η) in range.
  const means = Array.from({ length: p }, (_, j) => x.reduce((s, r) => s + r[j], 0) / n);
  const xc = x.map((r) => r.map((v, j) => v - means[j]));

  let beta = new Array<number>(p).fill(0);
  let cur = partialLikelihood(xc, times, ev, order, beta, ties, true);
  const nullLogLikelihood = cur.loglik;
  let iterations = 0;
  let converged = false;
  while (iterations < maxIter && !converged) {
    iterations++;
    const step = choleskySolve(cur.info, cur.grad);
    let scale = 1;
    let next = beta.map((b, j) => b + step[j]);
    let trial = partialLikelihood(xc, times, ev, order, next, ties, false);
    while (!(trial.loglik >= cur.loglik - 1e-12 * Math.abs(cur.loglik)) && scale > 1e-10) {
      scale /= 2;
      next = beta.map((b, j) => b + scale * step[j]);
      trial = partialLikelihood(xc, times, ev, order, next, ties, false);
    }
    const change = Math.abs(trial.loglik - cur.loglik);
    const maxStep = Math.max(...step.map((s) => Math.abs(s * scale)));
    beta = next;
    cur = partialLikelihood(xc, times, ev, order, beta, ties, true);
    if (change <= tol * Math.max(1, Math.abs(cur.loglik)) && maxStep < 1e-6) converged = true;
  }
  const cov = spdInverse(cur.info);
  const risk = xc.map((r) => r.reduce((s, v, j) => s + v * beta[j], 0));
  return {
    coefficients: beta,
    standardErrors: cov.map((row, j) => Math.sqrt(row[j])),
    logLikelihood: cur.loglik,
    nullLogLikelihood,
    concordance: concordanceIndex(times, ev, risk),
    iterations,
    converged,
    n,
    events: nEvents,
    ties,
  };
}
