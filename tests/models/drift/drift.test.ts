/**
 * The drift statistics against independent references: closed forms of the
 * chi-square tail, hand-derived small cases, brute-force enumeration of every
 * ordering for the exact KS p-value, published table values of the Kolmogorov
 * distribution, scipy's documented outputs (derived by hand in the comments),
 * and a Monte Carlo check that the KS p-value rejects about 5% of the time
 * under the null. Tolerances are stated per assertion.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../config/schema';
import {
  EMPTY_CATEGORY, categoryDrift, chiSquareHomogeneity, jensenShannonDistance, kolmogorovCdfSmall, kolmogorovSurvival,
  kolmogorovSurvivalLarge, ksExactPValue, ksTwoSample, numberDrift, psiCategory, psiNumber, rowCountAnomaly, shareDrift,
  sourceDrift, wassersteinDistance, wassersteinNormed,
} from '../../../models/drift';
import { createRng } from '../../../models/random';
import { chiSquareSurvival } from '../../../models/survival';

const t = DEFAULT_CONFIG.drift;

describe('chi-square tail (regularised upper incomplete gamma)', () => {
  it('equals exp(-x/2) with 2 df and exp(-x/2)(1 + x/2) with 4 df (closed forms), to 1e-12', () => {
    for (const x of [0.01, 0.5, 1, 3, 7.5, 20, 60]) {
      expect(chiSquareSurvival(x, 2)).toBeCloseTo(Math.exp(-x / 2), 12);
      expect(chiSquareSurvival(x, 4)).toBeCloseTo(Math.exp(-x / 2) * (1 + x / 2), 12);
    }
  });

  it('gives the table values chi2.sf(3.841459, 1) = 0.05, chi2.sf(6.634897, 1) = 0.01, chi2.sf(5.991465, 2) = 0.05, to 1e-6', () => {
    expect(chiSquareSurvival(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquareSurvival(6.634897, 1)).toBeCloseTo(0.01, 6);
    expect(chiSquareSurvival(5.991465, 2)).toBeCloseTo(0.05, 6);
    expect(chiSquareSurvival(0, 3)).toBe(1);
  });
});

describe('chi-square test of homogeneity of category counts', () => {
  it('2 x 3 table [[10,20,30],[30,20,10]]: expected 20 everywhere, X2 = 4*100/20 = 20, df 2, p = exp(-10)', () => {
    const r = chiSquareHomogeneity(new Map([['a', 10], ['b', 20], ['c', 30]]), new Map([['a', 30], ['b', 20], ['c', 10]]));
    expect(r.statistic).toBeCloseTo(20, 12);
    expect(r.df).toBe(2);
    expect(r.pValue).toBeCloseTo(Math.exp(-10), 14);
  });

  it('2 x 2 table [[10,20],[20,10]]: X2 = 4*25/15 = 6.667 with 1 df (no Yates correction)', () => {
    const r = chiSquareHomogeneity(new Map([['a', 10], ['b', 20]]), new Map([['a', 20], ['b', 10]]));
    expect(r.statistic).toBeCloseTo(20 / 3, 12);
    expect(r.df).toBe(1);
    expect(r.pValue).toBeCloseTo(chiSquareSurvival(20 / 3, 1), 15);
  });

  it('stays finite when a category is new in the current sample: [[10,0],[5,5]], X2 = 20/3 by hand', () => {
    // expected: row totals 10, 10; column totals 15, 5; e = 7.5, 2.5, 7.5, 2.5
    // X2 = 2.5^2/7.5 + 2.5^2/2.5 + 2.5^2/7.5 + 2.5^2/2.5 = 0.8333 + 2.5 + 0.8333 + 2.5 = 6.6667
    const r = chiSquareHomogeneity(new Map([['a', 10]]), new Map([['a', 5], ['b', 5]]));
    expect(r.statistic).toBeCloseTo(20 / 3, 12);
  });
});

/** Every way to split the pooled sample into groups of n and m: the exact p-value by brute force. */
function bruteForceKsP(a: number[], b: number[]): number {
  const pooled = [...a, ...b];
  const n = a.length;
  const d0 = ksTwoSample(a, b).statistic;
  let hits = 0;
  let total = 0;
  const pick = (start: number, chosen: number[]) => {
    if (chosen.length === n) {
      const set = new Set(chosen);
      const x = chosen.map((i) => pooled[i]);
      const y = pooled.filter((_, i) => !set.has(i));
      total++;
      if (ksTwoSample(x, y).statistic >= d0 - 1e-12) hits++;
      return;
    }
    for (let i = start; i < pooled.length; i++) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  return hits / total;
}

describe('two-sample Kolmogorov–Smirnov', () => {
  it('D and the exact p-value of disjoint samples: [1,2,3] vs [4,5,6] gives D = 1 and p = 2/C(6,3) = 0.1', () => {
    expect(ksTwoSample([1, 2, 3], [4, 5, 6])).toEqual({ statistic: 1, pValue: 0.1, method: 'exact' });
    // D = 1 for n = m = 7: p = 2 / C(14, 7) = 2 / 3432
    expect(ksTwoSample([1, 2, 3, 4, 5, 6, 7], [11, 12, 13, 14, 15, 16, 17]).pValue).toBeCloseTo(2 / 3432, 15);
  });

  it('matches brute-force enumeration of every ordering (to 1e-12) on random small samples', () => {
    const rng = createRng(11);
    for (const [n, m] of [[3, 4], [4, 5], [5, 5], [6, 6], [4, 8]]) {
      for (let rep = 0; rep < 3; rep++) {
        const a = Array.from({ length: n }, () => rng.normal());
        const b = Array.from({ length: m }, () => rng.normal(0.7));
        expect(ksTwoSample(a, b).pValue, `${n}x${m}`).toBeCloseTo(bruteForceKsP(a, b), 12);
      }
    }
  });

  it("reproduces scipy's ks_2samp on a hand-checked case: D = 3/7 and p = 6/11", () => {
    // a = [0.1, 0.5, 0.9, 1.3, 2.2], b = [0.3, 0.4, 1.1, 1.9, 2.5, 2.7, 3.1]: the ECDFs differ most after 2.2
    // (F_a = 1, F_b = 4/7): D = 3/7; scipy 1.17 ks_2samp (exact) gives p = 0.5454545454545454 = 6/11.
    const r = ksTwoSample([0.1, 0.5, 0.9, 1.3, 2.2], [0.3, 0.4, 1.1, 1.9, 2.5, 2.7, 3.1]);
    expect(r.statistic).toBeCloseTo(3 / 7, 15);
    expect(r.pValue).toBeCloseTo(6 / 11, 12);
  });

  it('handles ties: D is taken after every tied value (identical samples give D = 0, p = 1)', () => {
    expect(ksTwoSample([1, 1, 2, 2], [1, 2, 1, 2])).toEqual({ statistic: 0, pValue: 1, method: 'exact' });
    // [1,1,1,2] vs [1,2,2,2]: after 1, F = 3/4 vs 1/4, D = 1/2
    expect(ksTwoSample([1, 1, 1, 2], [1, 2, 2, 2]).statistic).toBe(0.5);
  });

  it('the Kolmogorov distribution: Smirnov table values P(K > 1.3581) = 0.05 and P(K > 1.6276) = 0.01 (to 1e-4), both series agree (1e-12)', () => {
    expect(kolmogorovSurvival(1.3581)).toBeCloseTo(0.05, 4);
    expect(kolmogorovSurvival(1.6276)).toBeCloseTo(0.01, 4);
    expect(kolmogorovSurvival(1.2238)).toBeCloseTo(0.1, 4);
    for (const l of [0.6, 0.8, 1, 1.2, 1.5]) expect(1 - kolmogorovCdfSmall(l)).toBeCloseTo(kolmogorovSurvivalLarge(l), 12);
  });

  it('uses the asymptotic distribution with the effective-n correction above 10^7 cells', () => {
    const a = Array.from({ length: 4000 }, (_, i) => (i + 0.5) / 4000);
    const b = Array.from({ length: 3000 }, (_, j) => (j + 0.5) / 3000 + 0.03);
    const r = ksTwoSample(a, b);
    expect(r.method).toBe('asymptotic');
    // D by brute force: the ECDFs (counted by binary search) compared at every pooled value.
    const ecdf = (xs: number[], v: number) => { let lo = 0, hi = xs.length; while (lo < hi) { const mid = (lo + hi) >> 1; if (xs[mid] <= v) lo = mid + 1; else hi = mid; } return lo / xs.length; };
    const d = Math.max(...[...a, ...b].map((v) => Math.abs(ecdf(a, v) - ecdf(b, v))));
    expect(r.statistic).toBeCloseTo(d, 12);
    const en = (4000 * 3000) / 7000;
    expect(r.pValue).toBeCloseTo(kolmogorovSurvivalLarge((Math.sqrt(en) + 0.12 + 0.11 / Math.sqrt(en)) * d), 12);
    expect(r.pValue).toBeGreaterThan(0.01); // a moderate p-value, so the comparison means something
  });

  it('is calibrated under the null: the exact p-value (n = m = 150) rejects 5% of 2000 draws within ±1.5 points', () => {
    const rng = createRng(2024);
    let rejected = 0;
    const reps = 2000;
    for (let r = 0; r < reps; r++) {
      const a = Array.from({ length: 150 }, () => rng.normal());
      const b = Array.from({ length: 150 }, () => rng.normal());
      if (ksTwoSample(a, b).pValue < 0.05) rejected++;
    }
    // The exact test is discrete (D moves in steps of 1/150), so its size is at most 5%: measured 3.95% (79 of 2000).
    expect(rejected / reps).toBeGreaterThan(0.035);
    expect(rejected / reps).toBeLessThan(0.065);
  });

  it('is calibrated under the null: the asymptotic p-value (n = 3200, m = 3200) rejects 5% of 400 draws within ±3 points', () => {
    const rng = createRng(7);
    let rejected = 0;
    const reps = 400;
    for (let r = 0; r < reps; r++) {
      const a = Array.from({ length: 3200 }, () => rng.uniform());
      const b = Array.from({ length: 3200 }, () => rng.uniform());
      const ks = ksTwoSample(a, b);
      expect(ks.method).toBe('asymptotic');
      if (ks.pValue < 0.05) rejected++;
    }
    // Measured 3.25% (13 of 400; the standard error of a 5% rate over 400 draws is 1.1 points).
    expect(rejected / reps).toBeGreaterThan(0.02);
    expect(rejected / reps).toBeLessThan(0.08);
  });

  it('exact p-value is a probability: 1 at D = 0, the mass of the two extreme orderings at D = 1', () => {
    expect(ksExactPValue(5, 5, 0)).toBe(1);
    expect(ksExactPValue(2, 2, 4)).toBeCloseTo(2 / 6, 15);
  });
});

describe('Wasserstein-1', () => {
  it("scipy's documented example: wasserstein_distance([0, 1, 3], [5, 6, 8]) = 5 (a shift by 5)", () => {
    expect(wassersteinDistance([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 12);
  });

  it('hand-derived: [0,1] vs [0,0,2]: |F−G| is 1/6 on [0,1) and 1/3 on [1,2), so W = 1/2', () => {
    expect(wassersteinDistance([0, 1], [0, 0, 2])).toBeCloseTo(0.5, 12);
  });

  it('normed by the reference population sd: [0,2] has sd 1, so shifting by 1 gives 1; by 0.3 sd gives 0.3', () => {
    expect(wassersteinNormed([0, 2], [1, 3])).toBeCloseTo(1, 12);
    const rng = createRng(5);
    const ref = Array.from({ length: 500 }, () => rng.normal(10, 4));
    const sd = Math.sqrt(ref.reduce((s, x) => s + (x - ref.reduce((u, y) => u + y, 0) / 500) ** 2, 0) / 500);
    expect(wassersteinNormed(ref, ref.map((x) => x + 0.3 * sd))).toBeCloseTo(0.3, 10);
  });
});

describe('Jensen–Shannon distance (natural log)', () => {
  it('disjoint distributions are sqrt(ln 2) apart (scipy with base 2 gives 1), identical ones 0', () => {
    expect(jensenShannonDistance([1, 0, 0], [0, 1, 0])).toBeCloseTo(Math.sqrt(Math.LN2), 14);
    expect(jensenShannonDistance([3, 1], [6, 2])).toBeCloseTo(0, 14);
  });

  it('hand-derived: p = (1, 0), q = (1/2, 1/2): m = (3/4, 1/4); JS = sqrt((ln(4/3) + ½ln(2/3) + ½ln 2)/2) = 0.46450', () => {
    const expected = Math.sqrt((Math.log(4 / 3) + 0.5 * Math.log(2 / 3) + 0.5 * Math.log(2)) / 2);
    expect(expected).toBeCloseTo(0.46450140402245893, 14); // scipy.spatial.distance.jensenshannon([1, 0], [.5, .5])
    expect(jensenShannonDistance([1, 0], [0.5, 0.5])).toBeCloseTo(expected, 14);
  });
});

describe('PSI', () => {
  it('hand-derived: reference 1..100 cut at deciles, current 1..50 fills half the bins at 0.2 each', () => {
    // Bins 1-5: (0.2 − 0.1) ln 2 each; bins 6-10 are empty: (1e-4 − 0.1) ln(1e-4 / 0.1) each.
    const ref = Array.from({ length: 100 }, (_, i) => i + 1);
    const cur = Array.from({ length: 50 }, (_, i) => i + 1);
    const expected = 5 * 0.1 * Math.log(2) + 5 * (1e-4 - 0.1) * Math.log(1e-4 / 0.1);
    expect(psiNumber(ref, cur).psi).toBeCloseTo(expected, 12);
    expect(psiNumber(ref, ref).psi).toBe(0);
  });

  it('merges tied cut points: a reference of 95 zeros and 5 ones has every decile at 0, so two bins', () => {
    const ref = [...Array(95).fill(0), ...Array(5).fill(1)];
    const r = psiNumber(ref, [...Array(50).fill(0), ...Array(50).fill(1)]);
    expect(r.bins).toEqual([0, Infinity]);
    expect(r.psi).toBeCloseTo((0.5 - 0.95) * Math.log(0.5 / 0.95) + (0.5 - 0.05) * Math.log(0.5 / 0.05), 12);
  });

  it('categories as bins: {a: .5, b: .5} to {a: .8, b: .2} gives 0.3 ln 1.6 + 0.3 ln 2.5 = 0.41589', () => {
    const r = psiCategory(new Map([['a', 5], ['b', 5]]), new Map([['a', 8], ['b', 2]]));
    expect(r.psi).toBeCloseTo(0.3 * Math.log(1.6) + 0.3 * Math.log(2.5), 12);
  });
});

describe("Evidently's rule by sample size", () => {
  const rng = createRng(3);
  const sample = (n: number, mu = 0) => Array.from({ length: n }, () => rng.normal(mu, 1));

  it('numbers: KS up to 1000 reference rows, normed Wasserstein from 1001', () => {
    const at1000 = numberDrift(sample(1000), sample(300), t);
    const at1001 = numberDrift(sample(1001), sample(300), t);
    expect(at1000.method).toBe('ks');
    expect(at1000.threshold).toBe(0.05);
    expect(at1001.method).toBe('wasserstein');
    expect(at1001.threshold).toBe(0.1);
    expect(at1001.pValue).toBeNull();
  });

  it('categories: chi-square up to 1000 reference rows, Jensen–Shannon from 1001', () => {
    const cats = (n: number) => Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][i % 3]);
    expect(categoryDrift(cats(1000), cats(200), t).method).toBe('chisquare');
    expect(categoryDrift(cats(1001), cats(200), t).method).toBe('jensenshannon');
  });

  it('numbers with at most 5 distinct values are tested as categories', () => {
    const terms = (n: number) => Array.from({ length: n }, (_, i) => [12, 24, 36][i % 3]);
    const small = numberDrift(terms(300), terms(90), t);
    expect([small.kind, small.testedAs, small.method]).toEqual(['number', 'category', 'chisquare']);
    expect(numberDrift(terms(3000), terms(90), t).method).toBe('jensenshannon');
  });

  it('flags a 0.5 sd shift and leaves an unchanged distribution alone, in both regimes', () => {
    expect(numberDrift(sample(800), sample(400, 0.5), t).drifted).toBe(true);
    expect(numberDrift(sample(800), sample(400), t).drifted).toBe(false);
    expect(numberDrift(sample(5000), sample(3000, 0.5), t).drifted).toBe(true); // W/σ ≈ 0.5
    expect(numberDrift(sample(5000), sample(3000), t).drifted).toBe(false); // W/σ ≈ 0.03
  });

  it('reports PSI beside the test with its level (0.1 warn, 0.25 drift) and honours custom thresholds', () => {
    const r = categoryDrift(['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b'], ['a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'b', 'b'], t);
    expect(r.psi).toBeCloseTo(0.3 * Math.log(1.6) + 0.3 * Math.log(2.5), 12);
    expect(r.psiLevel).toBe('drift');
    expect(categoryDrift(['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b'], ['a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'b', 'b'], { ...t, psiDrift: 0.5 }).psiLevel).toBe('warn');
    const loose = numberDrift(sample(200), sample(200, 0.3), { ...t, pValue: 1e-9 });
    expect(loose.threshold).toBe(1e-9);
  });

  it('an empty sample is not tested, and says why', () => {
    const r = categoryDrift([], [EMPTY_CATEGORY], t);
    expect(r.method).toBe('none');
    expect(r.drifted).toBe(false);
    expect(r.detail.reason).toMatch(/reference/);
  });

  it('shares of dollars by channel: Jensen–Shannon of the shares, whatever the row count', () => {
    const r = shareDrift(new Map([['a', 50], ['b', 50]]), new Map([['a', 90], ['b', 10]]), t);
    expect(r.method).toBe('jensenshannon');
    expect(r.statistic).toBeCloseTo(jensenShannonDistance([0.5, 0.5], [0.9, 0.1]), 14);
    expect(r.drifted).toBe(true);
  });
});

describe('share of drifted features and row counts', () => {
  it('a source drifts when the share of its tested features that drifted reaches shareDrifted (0.5)', () => {
    const f = (drifted: boolean, method: 'ks' | 'none' = 'ks') => ({ drifted, method });
    expect(sourceDrift([f(true), f(false)], t)).toEqual({ tested: 2, drifted: 1, share: 0.5, isDrifted: true });
    expect(sourceDrift([f(true), f(false), f(false)], t).isDrifted).toBe(false);
    expect(sourceDrift([f(true), f(false), f(false, 'none')], t).share).toBe(0.5);
    expect(sourceDrift([f(true), f(false), f(false)], { ...t, shareDrifted: 0.3 }).isDrifted).toBe(true);
  });

  it('row counts: z with the mean and sample sd of earlier runs, the sd at least sqrt(mean) (hand-computed), not enough history below 3 runs', () => {
    // history 100, 120, 80: mean 100, sample sd = sqrt((0 + 400 + 400) / 2) = 20 (> sqrt(100) = 10); 170 gives z = 3.5
    expect(rowCountAnomaly(170, [100, 120, 80], t)).toMatchObject({ status: 'anomaly', z: 3.5, mean: 100, sd: 20, sampleSd: 20 });
    expect(rowCountAnomaly(140, [100, 120, 80], t)).toMatchObject({ status: 'ok', z: 2 });
    expect(rowCountAnomaly(140, [100, 120, 80], { rowCountZ: 1.5 }).status).toBe('anomaly');
    // history 100, 102, 98: sample sd 2, but a count's Poisson sd is sqrt(100) = 10: 125 gives z = 2.5, 135 gives 3.5
    expect(rowCountAnomaly(125, [100, 102, 98], t)).toMatchObject({ status: 'ok', z: 2.5, sd: 10, sampleSd: 2 });
    expect(rowCountAnomaly(135, [100, 102, 98], t)).toMatchObject({ status: 'anomaly', z: 3.5 });
    expect(rowCountAnomaly(500, [100, 102], t)).toMatchObject({ status: 'not enough history', z: null });
    expect(rowCountAnomaly(3, [0, 0, 0], t)).toMatchObject({ status: 'anomaly', z: null, sd: 0 });
    expect(rowCountAnomaly(0, [0, 0, 0], t)).toMatchObject({ status: 'ok', z: null });
  });
});
