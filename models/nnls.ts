/**
 * Least squares with a ridge penalty where some coefficients must be
 * non-negative (the channel effects of the media-mix model) and the others
 * are free (intercept, trend, seasonality):
 *
 *   minimise ½ bᵀA b − cᵀb,  A = XᵀWX + diag(penalty),  c = XᵀWy,
 *   subject to b_j ≥ 0 for every j with nonNegative[j].
 *
 * Solved exactly by the Lawson–Hanson active-set method extended to free
 * columns (they never leave the passive set). A is positive definite when X
 * has full column rank or every column is penalised, which the MMM ensures.
 */
import { choleskySolve } from './linalg';

export interface QuadraticProblem {
  /** The symmetric positive-definite matrix A (p × p). */
  a: readonly (readonly number[])[];
  /** The linear term c (p). */
  c: readonly number[];
  /** Which coefficients are constrained to be >= 0. */
  nonNegative: readonly boolean[];
}

export interface NnlsResult {
  coef: number[];
  /** Outer iterations (columns freed) of the active-set method; 0 when a warm start was already optimal. */
  iterations: number;
  /** The passive set of the solution (coefficients not held at their bound), to warm-start a similar problem. */
  passive: boolean[];
}

/**
 * Normal equations of weighted ridge least squares: A = XᵀWX + diag(penalty), c = XᵀWy.
 *
 * @example
 * normalEquations([[1, 0], [0, 1], [1, 1]], [1, 2, 3]); // { a: [[2, 1], [1, 2]], c: [4, 5] }
 */
export function normalEquations(
  x: readonly (readonly number[])[],
  y: readonly number[],
  penalty?: readonly number[],
  weights?: readonly number[],
): { a: number[][]; c: number[] } {
  const p = x.length ? x[0].length : 0;
  const a = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const c = new Array<number>(p).fill(0);
  for (let i = 0; i < x.length; i++) {
    const row = x[i];
    const w = weights ? weights[i] : 1;
    if (w === 0) continue;
    for (let j = 0; j < p; j++) {
      const wx = w * row[j];
      if (wx === 0) continue;
      c[j] += wx * y[i];
      const aj = a[j];
      for (let k = j; k < p; k++) aj[k] += wx * row[k];
    }
  }
  for (let j = 0; j < p; j++) {
    if (penalty) a[j][j] += penalty[j];
    for (let k = 0; k < j; k++) a[j][k] = a[k][j];
  }
  return { a, c };
}

/** Objective ½ bᵀA b − cᵀb (for checks and for comparing candidate solutions). */
export function quadraticObjective(problem: QuadraticProblem, b: readonly number[]): number {
  const { a, c } = problem;
  let v = 0;
  for (let j = 0; j < b.length; j++) {
    let ab = 0;
    for (let k = 0; k < b.length; k++) ab += a[j][k] * b[k];
    v += 0.5 * b[j] * ab - c[j] * b[j];
  }
  return v;
}

function solveOn(problem: QuadraticProblem, passive: readonly number[]): number[] {
  const sub = passive.map((j) => passive.map((k) => problem.a[j][k]));
  const rhs = passive.map((j) => problem.c[j]);
  return choleskySolve(sub, rhs);
}

/**
 * The solution on a guessed passive set when it satisfies the KKT conditions
 * (constrained passive coefficients > 0, no held coefficient with a positive
 * negative gradient), else null. A convex problem has one KKT point, so a
 * guess that passes is the exact minimiser.
 */
function tryPassive(problem: QuadraticProblem, guess: readonly boolean[], tol: number, scale: number): number[] | null {
  const p = problem.c.length;
  const { a, c, nonNegative } = problem;
  const passive = [...Array(p).keys()].filter((j) => guess[j] || !nonNegative[j]);
  let s: number[];
  try {
    s = passive.length ? solveOn(problem, passive) : [];
  } catch {
    return null;
  }
  const b = new Array<number>(p).fill(0);
  for (let i = 0; i < passive.length; i++) {
    if (nonNegative[passive[i]] && !(s[i] > 0)) return null;
    b[passive[i]] = s[i];
  }
  for (let j = 0; j < p; j++) {
    if (!nonNegative[j] || guess[j]) continue;
    let w = c[j];
    for (let k = 0; k < p; k++) w -= a[j][k] * b[k];
    if (w > tol * scale) return null;
  }
  return b;
}

/**
 * Exact minimiser of a convex quadratic with non-negativity on a subset of
 * coefficients (Lawson–Hanson active set). Free coefficients start passive;
 * a constrained one enters when its negative gradient is positive and leaves
 * when the step would make it negative.
 *
 * `warmPassive` (e.g. `passive` of a previous solve of a similar problem) is
 * tried first: one Cholesky solve and a KKT check, which is what makes the
 * media-mix model's thousands of nearby solves cheap. A guess that fails the
 * check falls back to the cold start, so the answer never depends on it.
 *
 * @example
 * // min (b − 2)² + (b' + 1)² with b' >= 0: b = 2, b' = 0
 * nnlsQuadratic({ a: [[2, 0], [0, 2]], c: [4, -2], nonNegative: [false, true] }).coef; // [2, 0]
 */
export function nnlsQuadratic(problem: QuadraticProblem, tol = 1e-10, warmPassive?: readonly boolean[]): NnlsResult {
  const p = problem.c.length;
  const { a, c, nonNegative } = problem;
  let scale = 1e-300;
  for (const x of c) if (Math.abs(x) > scale) scale = Math.abs(x);
  if (warmPassive) {
    const warm = tryPassive(problem, warmPassive, tol, scale);
    if (warm) return { coef: warm, iterations: 0, passive: warm.map((x, j) => !nonNegative[j] || x > 0) };
  }
  const inP = nonNegative.map((nn) => !nn);
  const b = new Array<number>(p).fill(0);
  const setFromPassive = () => {
    const passive = [...Array(p).keys()].filter((j) => inP[j]);
    return { passive, s: passive.length ? solveOn(problem, passive) : [] };
  };
  if (inP.some(Boolean)) {
    const { passive, s } = setFromPassive();
    passive.forEach((j, i) => (b[j] = s[i]));
  }
  let iterations = 0;
  for (; iterations < 10 * p + 10; iterations++) {
    // Negative gradient w = c − A b; a zero-bound column whose w > 0 would lower the objective.
    let best = -1;
    let bestW = tol * scale;
    for (let j = 0; j < p; j++) {
      if (inP[j]) continue;
      let w = c[j];
      for (let k = 0; k < p; k++) w -= a[j][k] * b[k];
      if (w > bestW) {
        bestW = w;
        best = j;
      }
    }
    if (best < 0) break;
    inP[best] = true;
    for (let inner = 0; inner <= p; inner++) {
      const { passive, s } = setFromPassive();
      let alpha = 1;
      let blocked = false;
      passive.forEach((j, i) => {
        if (nonNegative[j] && s[i] <= 0) {
          const step = b[j] / (b[j] - s[i]);
          if (step < alpha) alpha = step;
          blocked = true;
        }
      });
      if (!blocked) {
        passive.forEach((j, i) => (b[j] = s[i]));
        break;
      }
      passive.forEach((j, i) => {
        b[j] += alpha * (s[i] - b[j]);
        if (nonNegative[j] && b[j] <= tol * Math.max(1, Math.abs(s[i]))) {
          b[j] = 0;
          inP[j] = false;
        }
      });
    }
  }
  return { coef: b, iterations, passive: inP };
}

/**
 * Ridge least squares with non-negative coefficients where asked:
 * minimise Σ w_i (y_i − x_i·b)² + Σ penalty_j b_j², b_j ≥ 0 where nonNegative[j].
 *
 * @example
 * ridgeNnls([[1], [1]], [-1, -3], { nonNegative: [true] }).coef; // [0]
 * ridgeNnls([[1], [1]], [1, 3], { nonNegative: [true] }).coef;   // [2]
 */
export function ridgeNnls(
  x: readonly (readonly number[])[],
  y: readonly number[],
  options: { nonNegative: readonly boolean[]; penalty?: readonly number[]; weights?: readonly number[] },
): NnlsResult {
  const { a, c } = normalEquations(x, y, options.penalty, options.weights);
  return nnlsQuadratic({ a, c, nonNegative: options.nonNegative });
}
