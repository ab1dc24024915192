/**
 * The latent trend of an account's usage, read through the noise of its
 * monthly counts by a Kalman filter.
 *
 * Log usage is modelled as a local linear trend whose monthly slope is the
 * account's own long-run slope plus a deviation that decays back to it:
 *
 *   level_m = level_{m-1} + μ_a + d_m,   d_m = φ d_{m-1} + η_m,   η ~ N(0, σ_η²)
 *   μ_a ~ N(μ₀, σ_μ²)                    (each account's long-run slope)
 *   y_m = level_m + ε_m,                 ε ~ N(0, σ_ε² + κ e^{−y_m})
 *
 * where y is the log of the month's usage. For a count (active users) the κ
 * term is its sampling noise: the log of a count of n has variance ≈ 1/n, so a
 * month of 8 users says less about the level than a month of 800; for other
 * measures it is noise that shrinks with volume, and the fit leaves it near
 * zero where there is none. The five dynamics and κ are fitted by maximum
 * likelihood to the drop's own series, so the filter
 * learns how persistent and how noisy usage is wherever the data come from;
 * a month with no usage row is a gap the filter steps over, not a zero.
 *
 * Compared with a least-squares slope over a fixed window, the filter uses
 * the account's whole history (its long-run slope shrinks a short window's
 * noise), weights months by how noisy they are, and targets the trend of the
 * last months rather than the average over the window.
 */
export interface UsageDynamics {
  /** Mean long-run monthly slope of log usage across accounts. */
  mu0: number;
  /** Spread of the accounts' long-run slopes. */
  sdMu: number;
  /** Month-to-month persistence of a slope's deviation from its account's long-run slope. */
  phi: number;
  /** Monthly innovation of the deviation. */
  sdEta: number;
  /** Observation noise of log usage apart from a count's sampling noise. */
  sdEps: number;
  /** Sampling noise of a count: the variance e^{−y} κ added to a month whose log usage is y. */
  countNoise: number;
}

/** One account's log usage by month (NaN: no usage that month): an array, or a typed array of an index's columns. */
export type LogUsageSeries = ArrayLike<number>;

const observationVariance = (dyn: UsageDynamics, y: number): number => dyn.sdEps ** 2 + dyn.countNoise * Math.exp(-y);

/** A series as the likelihood reads it many times over: its first observed month and e^{−y} of each month, computed once. */
interface PreparedSeries {
  y: LogUsageSeries;
  /** Index of the first month with usage (y.length when none). */
  first: number;
  /** e^{−y} of each month: the count's sampling noise scales with it. */
  expNeg: Float64Array;
}

function prepareSeries(y: LogUsageSeries): PreparedSeries {
  let first = 0;
  while (first < y.length && Number.isNaN(y[first])) first++;
  const expNeg = new Float64Array(y.length);
  for (let i = first; i < y.length; i++) expNeg[i] = Math.exp(-y[i]);
  return { y, first, expNeg };
}

/**
 * Log-likelihood of one account's series under `dyn`. The level starts
 * diffuse (the first observed month sets it and adds no likelihood term);
 * the deviation starts at its stationary spread, the long-run slope at its
 * prior.
 *
 * @example
 * seriesLogLikelihood([0, NaN], dynamics); // 0: one month says nothing about change
 */
export function seriesLogLikelihood(y: LogUsageSeries, dyn: UsageDynamics): number {
  return preparedLogLikelihood(prepareSeries(y), dyn);
}

/**
 * seriesLogLikelihood of a prepared series. The maximum-likelihood fit runs this
 * thousands of times on each sampled account: the 3×3 covariance is kept in
 * locals, and each step is the matrix arithmetic written out in the order it
 * always ran (the same numbers to the bit).
 */
function preparedLogLikelihood(series: PreparedSeries, dyn: UsageDynamics): number {
  const { y, first, expNeg } = series;
  if (first === y.length) return 0;
  const q = dyn.sdEta ** 2;
  const f = dyn.phi;
  const eps2 = dyn.sdEps ** 2;
  const kappa = dyn.countNoise;
  // State [level, deviation, long-run slope]; x' = F x + (η, η, 0) with F = [[1, f, 1], [0, f, 0], [0, 0, 1]].
  let x0 = y[first];
  let x1 = 0;
  let x2 = dyn.mu0;
  let p00 = eps2 + kappa * expNeg[first];
  let p01 = 0;
  let p02 = 0;
  let p10 = 0;
  let p11 = q / (1 - f * f);
  let p12 = 0;
  let p20 = 0;
  let p21 = 0;
  let p22 = dyn.sdMu ** 2;
  let ll = 0;
  for (let i = first + 1; i < y.length; i++) {
    x0 += f * x1 + x2;
    x1 *= f;
    // A = F P, then P = A Fᵀ + Q.
    const a00 = p00 + f * p10 + p20;
    const a01 = p01 + f * p11 + p21;
    const a02 = p02 + f * p12 + p22;
    const a10 = f * p10;
    const a11 = f * p11;
    const a12 = f * p12;
    p00 = a00 + f * a01 + a02 + q;
    p01 = f * a01 + q;
    p02 = a02;
    p10 = a10 + f * a11 + a12 + q;
    p11 = f * a11 + q;
    p12 = a12;
    p20 = p20 + f * p21 + p22 + 0;
    p21 = f * p21 + 0;
    const yi = y[i];
    if (Number.isNaN(yi)) continue;
    const s = p00 + (eps2 + kappa * expNeg[i]);
    const v = yi - x0;
    ll -= 0.5 * (Math.log(2 * Math.PI * s) + (v * v) / s);
    const k0 = p00 / s;
    const k1 = p10 / s;
    const k2 = p20 / s;
    x0 += k0 * v;
    x1 += k1 * v;
    x2 += k2 * v;
    const t0 = p00;
    const t1 = p01;
    const t2 = p02;
    p00 -= k0 * t0;
    p01 -= k0 * t1;
    p02 -= k0 * t2;
    p10 -= k1 * t0;
    p11 -= k1 * t1;
    p12 -= k1 * t2;
    p20 -= k2 * t0;
    p21 -= k2 * t1;
    p22 -= k2 * t2;
  }
  return ll;
}

/**
 * Posterior mean, given the months of `y` up to index `last`, of the mean
 * monthly change of log usage over the `months` months ending at `last`:
 * (level_last − level_{last−months}) / months. With a single month, or
 * months long ago, it falls back toward the mean long-run slope μ₀, as far as
 * the data leave it unknown: a new contract's first month says nothing of its
 * trend, and reading it as "unknown" (a flag of its own) would let the few
 * such decisions in the history set its score. Null when no month up to
 * `last` has usage.
 *
 * @example
 * // a clean doubling every month reads as log 2 a month
 * latentTrend([0, 1, 2, 3, 4].map((k) => k * Math.LN2), dynamics, 4, 3); // ≈ Math.LN2
 */
export function latentTrend(y: LogUsageSeries, dyn: UsageDynamics, last: number, months: number): number | null {
  let observed = 0;
  let first = -1;
  for (let i = 0; i <= last && i < y.length; i++) {
    if (Number.isNaN(y[i])) continue;
    if (first < 0) first = i;
    observed++;
  }
  if (observed === 0) return null;
  const from = Math.min(first, last - months);
  const q = dyn.sdEta ** 2;
  const f = dyn.phi;
  // State [level, deviation, long-run slope, change of level since last − months]; the level starts diffuse.
  // The transition is x' = F x + (η, η, 0, η) with F = [[1, f, 1, 0], [0, f, 0, 0], [0, 0, 1, 0], [0, f, 1, 1]],
  // written out below (this runs once per contract, over its account's whole history).
  const x = [0, 0, dyn.mu0, 0];
  const P = new Float64Array(16);
  P[0] = DIFFUSE;
  P[5] = q / (1 - f * f);
  P[10] = dyn.sdMu ** 2;
  const A = new Float64Array(16);
  const g = [1, 1, 0, 1];
  for (let i = from; i <= last; i++) {
    if (i > from) {
      const slope = f * x[1] + x[2];
      x[0] += slope;
      x[1] *= f;
      x[3] += slope;
      for (let j = 0; j < 4; j++) {
        const p0 = P[j];
        const p1 = P[4 + j];
        const p2 = P[8 + j];
        A[j] = p0 + f * p1 + p2;
        A[4 + j] = f * p1;
        A[8 + j] = p2;
        A[12 + j] = P[12 + j] + f * p1 + p2;
      }
      for (let r = 0; r < 4; r++) {
        const a0 = A[4 * r];
        const a1 = A[4 * r + 1];
        const a2 = A[4 * r + 2];
        const a3 = A[4 * r + 3];
        P[4 * r] = a0 + f * a1 + a2 + q * g[r];
        P[4 * r + 1] = f * a1 + q * g[r];
        P[4 * r + 2] = a2;
        P[4 * r + 3] = a3 + f * a1 + a2 + q * g[r];
      }
    }
    if (i === last - months) {
      // The change is counted from here: zero, and known to be.
      x[3] = 0;
      for (let k = 0; k < 4; k++) P[12 + k] = P[4 * k + 3] = 0;
    }
    const yi = i >= 0 && i < y.length ? y[i] : NaN;
    if (Number.isNaN(yi)) continue;
    const s = P[0] + observationVariance(dyn, yi);
    const v = yi - x[0];
    const k = [P[0] / s, P[4] / s, P[8] / s, P[12] / s];
    for (let j = 0; j < 4; j++) x[j] += k[j] * v;
    const top = [P[0], P[1], P[2], P[3]];
    for (let r = 0; r < 4; r++) for (let j = 0; j < 4; j++) P[4 * r + j] -= k[r] * top[j];
  }
  return x[3] / months;
}

/** A prior variance wide enough that the first observed month alone sets the level. */
const DIFFUSE = 1e8;

/** Where the likelihood search starts: slopes of about 1% a month, observation noise of about 5%. */
const START = [0, Math.log(0.01), Math.atanh(0.75), Math.log(0.01), Math.log(0.05), Math.log(0.05)];

function dynamicsOf(z: readonly number[]): UsageDynamics {
  return {
    mu0: z[0] / 100, sdMu: Math.exp(z[1]), phi: Math.tanh(z[2]), sdEta: Math.exp(z[3]), sdEps: Math.exp(z[4]), countNoise: Math.exp(z[5]),
  };
}

/**
 * The dynamics of usage by maximum likelihood over accounts' series, on an
 * unconstrained scale (log of the spreads, atanh of φ) by Nelder–Mead.
 *
 * @example
 * const dyn = fitUsageDynamics(accounts.map((a) => logUsageByMonth(a)));
 * dyn.phi; // how persistent a change of trend is, month to month
 */
export function fitUsageDynamics(series: readonly LogUsageSeries[]): UsageDynamics {
  const prepared = series.map(prepareSeries);
  const negLogLik = (z: readonly number[]) => {
    const dyn = dynamicsOf(z);
    let ll = 0;
    for (const y of prepared) ll += preparedLogLikelihood(y, dyn);
    return Number.isFinite(ll) ? -ll : Infinity;
  };
  return dynamicsOf(nelderMead(negLogLik, START, 0.5, 3000, 1e-9).x);
}

/**
 * Nelder–Mead minimisation of f over Rⁿ (coefficients 1, 2, ½, ½), from a
 * simplex of `start` and its steps of `step` along each axis; stops when the
 * simplex's values agree to a relative `tol`.
 */
function nelderMead(f: (x: readonly number[]) => number, start: readonly number[], step: number, maxIter: number, tol: number) {
  const n = start.length;
  let simplex = [start.slice(), ...start.map((_, i) => start.map((v, j) => (j === i ? v + step : v)))].map((x) => ({ x, v: f(x) }));
  for (let it = 0; it < maxIter; it++) {
    simplex.sort((a, b) => a.v - b.v);
    const best = simplex[0];
    const worst = simplex[n];
    if (Math.abs(worst.v - best.v) <= tol * (1 + Math.abs(best.v))) break;
    const centroid = start.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p.x[j], 0) / n);
    const along = (k: number) => centroid.map((c, j) => c + k * (worst.x[j] - c));
    const reflected = along(-1);
    const rv = f(reflected);
    if (rv < best.v) {
      const expanded = along(-2);
      const ev = f(expanded);
      simplex[n] = ev < rv ? { x: expanded, v: ev } : { x: reflected, v: rv };
    } else if (rv < simplex[n - 1].v) {
      simplex[n] = { x: reflected, v: rv };
    } else {
      const contracted = rv < worst.v ? along(-0.5) : along(0.5);
      const cv = f(contracted);
      if (cv < Math.min(rv, worst.v)) simplex[n] = { x: contracted, v: cv };
      else {
        simplex = simplex.map((p, i) => {
          if (i === 0) return p;
          const x = p.x.map((v, j) => best.x[j] + (v - best.x[j]) / 2);
          return { x, v: f(x) };
        });
      }
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  return { x: simplex[0].x, value: simplex[0].v };
}
