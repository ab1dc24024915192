import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concordanceIndex, fitCox } from '../../models/cox';

const rossi = readFileSync('../shared/data/lifelines/rossi.csv', 'utf8').trim().split(/\r?\n/);
const header = rossi[0].split(',');
const rows = rossi.slice(1).map((l) => l.split(',').map(Number));
const col = (name: string) => rows.map((r) => r[header.indexOf(name)]);
const covariates = ['fin', 'age', 'race', 'wexp', 'mar', 'paro', 'prio'];
const x = rows.map((r) => covariates.map((c) => r[header.indexOf(c)]));
const week = col('week');
const arrest = col('arrest');

describe('fitCox on rossi (recidivism, 432 prisoners, 114 arrests)', () => {
  // Reference: R survival::coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio,
  // ties = "efron") as printed in Fox & Weisberg's appendix "Cox proportional-hazards regression"
  // and reproduced by lifelines' CoxPHFitter docs (coef fin -0.38, se 0.19, log-likelihood -658.75,
  // concordance 0.64). Coefficients printed to 5 decimals and standard errors to 4: tolerance 1e-4 (the issue asks for 1e-3).
  const efron = {
    coef: { fin: -0.37942, age: -0.05744, race: 0.3139, wexp: -0.14980, mar: -0.43370, paro: -0.08487, prio: 0.09150 },
    se: { fin: 0.1914, age: 0.0220, race: 0.3080, wexp: 0.2122, mar: 0.3819, paro: 0.1958, prio: 0.0286 },
  };
  const fit = fitCox(x, week, arrest);

  it('converges by Newton–Raphson', () => {
    expect(fit.converged).toBe(true);
    expect(fit.n).toBe(432);
    expect(fit.events).toBe(114);
  });
  it.each(covariates)('%s: coefficient and standard error within 1e-4 of R/lifelines (Efron)', (name) => {
    const j = covariates.indexOf(name);
    expect(Math.abs(fit.coefficients[j] - efron.coef[name as keyof typeof efron.coef])).toBeLessThan(1e-4);
    expect(Math.abs(fit.standardErrors[j] - efron.se[name as keyof typeof efron.se])).toBeLessThan(1e-4);
  });
  it('log partial likelihood -658.748 (tol 1e-3); null -675.38 so LR = 33.27 on 7 df (tol 0.01)', () => {
    expect(Math.abs(fit.logLikelihood - -658.748)).toBeLessThan(1e-3);
    expect(Math.abs(2 * (fit.logLikelihood - fit.nullLogLikelihood) - 33.27)).toBeLessThan(0.01);
  });
  it('concordance 0.64, as lifelines and R print it (2 dp, tol 0.005)', () => {
    expect(Math.abs(fit.concordance - 0.64)).toBeLessThan(0.005);
  });
  it('Breslow ties: lifelines docs of the Breslow era print fin -0.3790 age -0.0572 race 0.3141 wexp -0.1511 mar -0.4328 paro -0.0850 prio 0.0911 (4 dp, tol 1e-4)', () => {
    // docs/Survival Regression.rst of lifelines before it switched to Efron; R coxph(ties = "breslow") gives fin -0.37898.
    const b = fitCox(x, week, arrest, { ties: 'breslow' });
    const want = [-0.379, -0.0572, 0.3141, -0.1511, -0.4328, -0.085, 0.0911];
    want.forEach((w, j) => expect(Math.abs(b.coefficients[j] - w)).toBeLessThan(1e-4));
    // Breslow's approximation has the smaller likelihood: it keeps every tied death in every risk-set term.
    expect(b.logLikelihood).toBeLessThan(fit.logLikelihood);
  });
});

describe('fitCox on small data against closed forms', () => {
  it('one binary covariate, no ties: the score at β̂ is zero (brute-force partial likelihood, finite differences < 1e-6)', () => {
    const t = [1, 2, 3, 4, 5, 6, 7, 8];
    const e = [1, 1, 0, 1, 1, 1, 0, 1];
    const g = [1, 0, 1, 1, 0, 0, 1, 0];
    // Brute force: ℓ(β) = Σ_{events i} [β g_i − log Σ_{j: t_j >= t_i} exp(β g_j)].
    const ll = (b: number) =>
      t.reduce((s, ti, i) => (e[i] ? s + b * g[i] - Math.log(t.reduce((a, tj, j) => (tj >= ti ? a + Math.exp(b * g[j]) : a), 0)) : s), 0);
    const fit = fitCox(g.map((v) => [v]), t, e);
    const b = fit.coefficients[0];
    expect(Math.abs(fit.logLikelihood - ll(b))).toBeLessThan(1e-10);
    expect(Math.abs((ll(b + 1e-5) - ll(b - 1e-5)) / 2e-5)).toBeLessThan(1e-6);
    // Standard error: 1 / sqrt(−ℓ''(β̂)) by central differences (tol 1e-4).
    const h = 1e-4;
    const second = (ll(b + h) - 2 * ll(b) + ll(b - h)) / (h * h);
    expect(Math.abs(fit.standardErrors[0] - 1 / Math.sqrt(-second))).toBeLessThan(1e-4);
  });
  it('Efron with two tied deaths equals the hand-written Efron term (tol 1e-12)', () => {
    // times 1,1,2,3 (two deaths tied at 1), covariate z; at β: risk set all four, ties {0,1}.
    const z = [0.5, -1, 2, 0];
    const t = [1, 1, 2, 3];
    const e = [1, 1, 1, 0];
    const fit = fitCox(z.map((v) => [v]), t, e);
    const b = fit.coefficients[0];
    const w = z.map((v) => Math.exp(b * v));
    const all = w[0] + w[1] + w[2] + w[3];
    const tied = w[0] + w[1];
    const want = b * (z[0] + z[1]) - Math.log(all) - Math.log(all - tied / 2) + b * z[2] - Math.log(w[2] + w[3]);
    expect(Math.abs(fit.logLikelihood - want)).toBeLessThan(1e-12);
  });
});

describe('concordanceIndex', () => {
  it('counts pairs by hand: 5 comparable pairs, 3.5 concordant', () => {
    // times 1(e) 2(e) 3(c) 4(e); scores 0.9 0.2 0.5 0.2
    // comparable (i failed first): (1,2) (1,3) (1,4) (2,3) (2,4) [3 censored: no pairs from it]
    // concordant: (1,2) yes, (1,3) yes, (1,4) yes, (2,3) no, (2,4) tie -> 0.5
    expect(concordanceIndex([1, 2, 3, 4], [1, 1, 0, 1], [0.9, 0.2, 0.5, 0.2])).toBeCloseTo(3.5 / 5, 12);
  });

  /** The definition, pair by pair (O(n²)): the reference for the Fenwick-tree version. */
  function pairwise(times: number[], events: number[], scores: number[]): number {
    let concordant = 0;
    let comparable = 0;
    for (let i = 0; i < times.length; i++) {
      if (!events[i]) continue;
      for (let j = 0; j < times.length; j++) {
        if (i === j || !(times[j] > times[i] || (times[j] === times[i] && !events[j]))) continue;
        comparable++;
        concordant += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    return concordant / comparable;
  }

  it('equals the pairwise definition on random data with tied times, tied scores and censoring (tolerance 1e-12)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 30; trial++) {
      const n = 5 + Math.floor(rand() * 200);
      const times = Array.from({ length: n }, () => Math.floor(rand() * 20));
      const events = times.map(() => (rand() < 0.6 ? 1 : 0));
      events[0] = 1;
      times[0] = -1; // one event before everything, so some pair is comparable
      const scores = times.map(() => Math.floor(rand() * 8) / 4);
      expect(Math.abs(concordanceIndex(times, events, scores) - pairwise(times, events, scores))).toBeLessThan(1e-12);
    }
  });
});
