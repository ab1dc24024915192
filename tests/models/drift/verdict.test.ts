/**
 * Issue 12: the drift table showed `industry` with PSI 3.7 marked "not
 * drifted". One verdict per feature now, consistent with every threshold
 * shown: drifted when the test says so or when PSI reaches psiDrift where PSI
 * counts; where it does not count, the reason says why. Numbers by hand, PSI's
 * noise level against a Monte Carlo.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../config/schema';
import { PSI_EPSILON, categoryDrift, judge, numberDrift, psiCategory, psiNoiseLevel } from '../../../models/drift';
import { createRng } from '../../../models/random';

const t = DEFAULT_CONFIG.drift;
const repeat = (value: string, n: number) => Array<string>(n).fill(value);
const industries = ['agri', 'bank', 'chem', 'defense', 'energy', 'food', 'gov', 'health', 'insur', 'media'];

describe("the issue's case: ten industries over 300 reference accounts, ten new accounts in five of them", () => {
  const reference = industries.flatMap((i) => repeat(i, 30));
  const current = industries.slice(0, 5).flatMap((i) => repeat(i, 2));
  const f = categoryDrift(reference, current, t);
  // Five bins at 0.2 against 0.1 and five empty (stand-in 1e-4) against 0.1.
  const psi = 5 * 0.1 * Math.log(2) + 5 * (PSI_EPSILON - 0.1) * Math.log(PSI_EPSILON / 0.1);

  it('PSI is 3.80 (by hand, tolerance 1e-9) while chi-square finds nothing (p ≥ 0.05)', () => {
    expect(Math.abs(f.psi! - psi)).toBeLessThan(1e-9);
    expect(f.method).toBe('chisquare');
    expect(f.pValue!).toBeGreaterThan(0.05);
  });

  it('reads not drifted, and says PSI did not count because five of ten bins are empty', () => {
    expect(f.drifted).toBe(false);
    expect(f.psiCounted).toBe(false);
    expect(f.decidedBy).toEqual([]);
    expect(f.reason).toMatch(/^not drifted: chi-square p = 0\.\d+ ≥ 0\.05; PSI 3\.797 not counted: 5 of 10 bins empty in a sample/);
  });
});

describe('judge: drifted when the test or a PSI that counts says so', () => {
  const counted = { psi: 0.3, bins: ['a', 'b'], reference: [0.5, 0.5], current: [0.25, 0.75] };
  const big = { n: 5000, m: 5000 };
  it.each([
    { test: false, psi: counted, sizes: big, drifted: true, decidedBy: ['psi'] },
    { test: true, psi: counted, sizes: big, drifted: true, decidedBy: ['test', 'psi'] },
    { test: true, psi: { ...counted, psi: 0.05 }, sizes: big, drifted: true, decidedBy: ['test'] },
    { test: false, psi: { ...counted, psi: 0.05 }, sizes: big, drifted: false, decidedBy: [] },
    // (2 − 1)(1/20 + 1/20) = 0.1 reaches psiWarn: PSI at these sizes is mostly noise, so it does not count.
    { test: false, psi: counted, sizes: { n: 20, m: 20 }, drifted: false, decidedBy: [] },
    // An empty bin: the stand-in share, not the data, makes the PSI.
    { test: false, psi: { ...counted, current: [0, 1] }, sizes: big, drifted: false, decidedBy: [] },
  ])('test $test, PSI $psi.psi over $sizes.n / $sizes.m rows: drifted $drifted', ({ test, psi, sizes, drifted, decidedBy }) => {
    const v = judge({ method: 'ks', statistic: 0.1, pValue: test ? 0.01 : 0.5, threshold: 0.05, drifted: test }, psi, sizes, t);
    expect(v.drifted).toBe(drifted);
    expect(v.decidedBy).toEqual(decidedBy);
    expect(v.reason.startsWith(drifted ? 'drifted: KS p = ' : 'not drifted: KS p = ')).toBe(true);
  });

  it('over 300 random pairs of samples, every verdict agrees with every threshold it shows', () => {
    const rng = createRng(12);
    for (let k = 0; k < 300; k++) {
      const n = 5 + Math.floor(rng.uniform() * 400);
      const m = 5 + Math.floor(rng.uniform() * 400);
      const shift = rng.uniform() * 0.6;
      const draw = (len: number, s: number) => Array.from({ length: len }, () => industries[Math.min(9, Math.floor((rng.uniform() + s * rng.uniform()) * 10))]);
      const f = k % 2 ? categoryDrift(draw(n, 0), draw(m, shift), t)
        : numberDrift(Array.from({ length: n }, () => rng.normal()), Array.from({ length: m }, () => rng.normal(shift, 1)), t);
      const byTest = f.pValue !== null ? f.pValue < t.pValue : f.statistic! >= t.distance;
      const byPsi = f.psiCounted && f.psi! >= t.psiDrift;
      expect(f.drifted, f.reason).toBe(byTest || byPsi);
      if (!f.drifted && f.psi! >= t.psiDrift) expect(f.reason).toMatch(/PSI [\d.]+ not counted: /);
    }
  });
});

describe('psiNoiseLevel: PSI with no drift averages (k − 1)(1/n + 1/m)', () => {
  it.each([
    { k: 5, n: 400, m: 400 },
    { k: 3, n: 200, m: 800 },
  ])('$k equally likely categories, $n against $m rows: the mean of 2000 null draws within 10% of the formula', ({ k, n, m }) => {
    const rng = createRng(k * 1000 + n);
    const cats = Array.from({ length: k }, (_, i) => `c${i}`);
    const counts = (len: number) => {
      const c = new Map<string, number>();
      for (let i = 0; i < len; i++) {
        const x = cats[Math.floor(rng.uniform() * k)];
        c.set(x, (c.get(x) ?? 0) + 1);
      }
      return c;
    };
    let sum = 0;
    for (let d = 0; d < 2000; d++) sum += psiCategory(counts(n), counts(m)).psi;
    expect(Math.abs(sum / 2000 / psiNoiseLevel(k, n, m) - 1)).toBeLessThan(0.1);
  });
});
