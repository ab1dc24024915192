import { describe, expect, it } from 'vitest';
import { geometricAdstock, hillSaturation, steadyAdstock } from '../../../models/adstock';
import { choleskySolve } from '../../../models/linalg';
import { normalEquations, nnlsQuadratic, quadraticObjective, ridgeNnls } from '../../../models/nnls';
import type { QuadraticProblem } from '../../../models/nnls';
import { createRng } from '../../../models/random';

const TOL = 1e-9; // hand values below are exact in a few floating-point operations

describe('adstock and Hill (hand values, tolerance 1e-9)', () => {
  it.each([
    { spend: [100, 0, 0], decay: 0.5, carry: 0, want: [100, 50, 25] },
    { spend: [100, 0], decay: 0.5, carry: 100, want: [200, 100] },
    { spend: [10, 20, 30], decay: 0, carry: 5, want: [10, 20, 30] },
  ])('geometricAdstock($spend, $decay, carry $carry)', ({ spend, decay, carry, want }) => {
    geometricAdstock(spend, decay, carry).forEach((a, i) => expect(Math.abs(a - want[i])).toBeLessThan(TOL));
  });
  it('a constant spend stays at its steady state s / (1 − d)', () => {
    for (const a of geometricAdstock([40, 40, 40], 0.75, 40)) expect(Math.abs(a - steadyAdstock(40, 0.75))).toBeLessThan(TOL);
  });
  it.each([
    { a: 50, k: 50, alpha: 2, want: 0.5 },
    { a: 100, k: 50, alpha: 1, want: 2 / 3 },
    { a: 100, k: 50, alpha: 2, want: 0.8 },
    { a: 0, k: 50, alpha: 2, want: 0 },
  ])('hillSaturation($a, $k, $alpha) = $want', ({ a, k, alpha, want }) => {
    expect(Math.abs(hillSaturation(a, k, alpha) - want)).toBeLessThan(TOL);
  });
});

/** Brute force: for every subset of constrained coefficients held at 0, solve the rest unconstrained; keep the best feasible. */
function bruteForce(problem: QuadraticProblem): number[] {
  const p = problem.c.length;
  const constrained = [...Array(p).keys()].filter((j) => problem.nonNegative[j]);
  let best: number[] | null = null;
  let bestObj = Infinity;
  for (let mask = 0; mask < 1 << constrained.length; mask++) {
    const zero = new Set(constrained.filter((_, i) => mask & (1 << i)));
    const free = [...Array(p).keys()].filter((j) => !zero.has(j));
    const sub = free.map((j) => free.map((k) => problem.a[j][k]));
    const s = free.length ? choleskySolve(sub, free.map((j) => problem.c[j])) : [];
    const b = new Array<number>(p).fill(0);
    free.forEach((j, i) => (b[j] = s[i]));
    if (constrained.some((j) => b[j] < -1e-12)) continue;
    const obj = quadraticObjective(problem, b);
    if (obj < bestObj) {
      bestObj = obj;
      best = b;
    }
  }
  return best!;
}

describe('active-set NNLS against brute force over active sets (tolerance 1e-8)', () => {
  const rng = createRng(2024);
  const cases = Array.from({ length: 40 }, (_, k) => {
    const n = 12;
    const p = 5;
    const x = Array.from({ length: n }, () => Array.from({ length: p }, () => rng.normal()));
    // Make two columns correlated so that constraints bind in interesting ways.
    for (const row of x) row[3] = 0.8 * row[2] + 0.2 * row[3];
    const y = x.map((row) => 2 * row[0] - 1.5 * row[2] + row[3] - 0.7 * row[4] + rng.normal(0, 0.5));
    const nonNegative = [false, true, true, true, k % 2 === 0];
    const penalty = [0, 0.1, 0.1, 0.1, 0.1];
    return { k, x, y, nonNegative, penalty };
  });
  it.each(cases)('random case $k', ({ x, y, nonNegative, penalty }) => {
    const { a, c } = normalEquations(x, y, penalty);
    const problem = { a, c, nonNegative };
    const got = nnlsQuadratic(problem).coef;
    const want = bruteForce(problem);
    got.forEach((b, j) => expect(Math.abs(b - want[j])).toBeLessThan(1e-8));
    nonNegative.forEach((nn, j) => nn && expect(got[j]).toBeGreaterThanOrEqual(0));
  });
  it.each(cases)('random case $k, warm-started from the neighbouring case and from a wrong guess, equals brute force (tolerance 1e-8)', ({ k, x, y, nonNegative, penalty }) => {
    const { a, c } = normalEquations(x, y, penalty);
    const problem = { a, c, nonNegative };
    const other = cases[(k + 1) % cases.length];
    const prev = nnlsQuadratic({ ...normalEquations(other.x, other.y, other.penalty), nonNegative: other.nonNegative });
    const want = bruteForce(problem);
    for (const guess of [prev.passive, nonNegative.map(() => true), nonNegative.map(() => false)]) {
      const got = nnlsQuadratic(problem, 1e-10, guess);
      got.coef.forEach((b, j) => expect(Math.abs(b - want[j])).toBeLessThan(1e-8));
      // The reported passive set, fed back, is accepted at once (0 iterations) and gives the same answer.
      const again = nnlsQuadratic(problem, 1e-10, got.passive);
      expect(again.iterations).toBe(0);
      again.coef.forEach((b, j) => expect(Math.abs(b - want[j])).toBeLessThan(1e-8));
    }
  });
  it('binding constraints do bind in this set (the test exercises the active set)', () => {
    const zeros = cases.filter(({ x, y, nonNegative, penalty }) => {
      const { a, c } = normalEquations(x, y, penalty);
      return nnlsQuadratic({ a, c, nonNegative }).coef.some((b, j) => nonNegative[j] && b === 0);
    });
    expect(zeros.length).toBeGreaterThan(10);
  });
  it('ridgeNnls: one column, y mean −2 gives 0; mean 2 gives 2 (exact)', () => {
    expect(ridgeNnls([[1], [1]], [-1, -3], { nonNegative: [true] }).coef).toEqual([0]);
    expect(Math.abs(ridgeNnls([[1], [1]], [1, 3], { nonNegative: [true] }).coef[0] - 2)).toBeLessThan(TOL);
  });
  it('weights act as repeated rows (tolerance 1e-9)', () => {
    const w = ridgeNnls([[1], [1]], [1, 4], { nonNegative: [false], weights: [2, 1] }).coef[0];
    const rep = ridgeNnls([[1], [1], [1]], [1, 1, 4], { nonNegative: [false] }).coef[0];
    expect(Math.abs(w - rep)).toBeLessThan(TOL);
    expect(Math.abs(w - 2)).toBeLessThan(TOL);
  });
});
