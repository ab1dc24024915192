/**
 * The small dense linear algebra the Newton fits need (p ≲ 50 columns).
 * ml-matrix would do, but it is not a dependency of this tree and a
 * Cholesky solve of a symmetric positive-definite system is a dozen lines.
 */

/** A is not (numerically) positive definite: a fit whose information matrix is singular raises it, and a caller may go on without that fit. */
export class NotPositiveDefiniteError extends RangeError {
  override name = 'NotPositiveDefiniteError';
  constructor(readonly pivot: number, readonly value: number) {
    super(`matrix is not positive definite (pivot ${pivot} = ${value})`);
  }
}

/**
 * Solve A x = b for symmetric positive-definite A by Cholesky. Throws when A
 * is not positive definite (numerically).
 *
 * @example
 * choleskySolve([[4, 2], [2, 3]], [2, 1]); // [0.5, 0]
 */
export function choleskySolve(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = a.length;
  const l: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(sum > 0)) throw new NotPositiveDefiniteError(i, sum);
        l[i][i] = Math.sqrt(sum);
      } else {
        l[i][j] = sum / l[j][j];
      }
    }
  }
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i][k] * y[k];
    y[i] = sum / l[i][i];
  }
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k][i] * x[k];
    x[i] = sum / l[i][i];
  }
  return x;
}
