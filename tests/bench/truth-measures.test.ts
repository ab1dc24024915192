import { describe, expect, it } from 'vitest';
import { averageRanks, bestSplit, plantedMonthlyAcv, quantileOf, spearman } from '../../bench/truth-measures';

describe('spearman with ties (average ranks; references computed by hand)', () => {
  it.each([
    { a: [1, 2, 3, 4], b: [10, 20, 30, 40], rho: 1 },
    { a: [1, 2, 3, 4], b: [4, 3, 2, 1], rho: -1 },
    { a: [1, 2, 3, 4], b: [1, 3, 2, 4], rho: 0.8 },
    // ranks of b: 1.5, 1.5, 3, 4; Pearson with 1..4 = 4.5 / sqrt(5 · 4.5) = 0.9486833
    { a: [1, 2, 3, 4], b: [0, 0, 1, 2], rho: 4.5 / Math.sqrt(5 * 4.5) },
  ])('$a vs $b = $rho', ({ a, b, rho }) => {
    expect(spearman(a, b)).toBeCloseTo(rho, 12);
  });
  it('ties share their average rank; a constant side has no correlation', () => {
    expect(averageRanks([5, 0, 0, 3])).toEqual([4, 1.5, 1.5, 3]);
    expect(spearman([1, 2, 3], [7, 7, 7])).toBeNaN();
  });
});

describe('quantileOf (R type 7)', () => {
  it('interpolates and leaves NaN out', () => {
    expect(quantileOf([4, 1, NaN, 3, 2], 0.5)).toBe(2.5);
    expect(quantileOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.1)).toBe(2);
    expect(quantileOf([NaN], 0.5)).toBeNaN();
  });
});

describe('plantedMonthlyAcv', () => {
  it('beta · Hill(s / (1 − decay)) · ACV per opportunity', () => {
    const c = { betaOppsPerMonth: 2, adstockDecay: 0.5, halfSaturationUsd: 200, hillAlpha: 2, acvPerOpportunity: 10 };
    // adstock 300, (300/200)^2 = 2.25, Hill = 2.25 / 3.25
    expect(plantedMonthlyAcv(c, 150)).toBeCloseTo(2 * (2.25 / 3.25) * 10, 12);
    expect(plantedMonthlyAcv({ ...c, betaOppsPerMonth: 0 }, 150)).toBe(0);
  });
});

describe('bestSplit: exhaustive on its grid, also for S-shaped curves', () => {
  const hill = (k: number, a: number) => (s: number) => (s > 0 ? (s / k) ** a / (1 + (s / k) ** a) : 0);
  const channels = [
    { channel: 'a', lower: 40, upper: 160, value: (s: number) => 3 * hill(100, 3)(s) },
    { channel: 'b', lower: 0, upper: 200, value: (s: number) => 2 * hill(60, 1)(s) },
    { channel: 'c', lower: 10, upper: 90, value: (s: number) => hill(30, 2)(s) },
  ];
  it('matches brute force over every split of the same grid and keeps the total and the box', () => {
    const total = 250;
    const units = 60;
    const best = bestSplit(channels, total, units);
    const step = (total - 50) / units;
    let brute = -Infinity;
    for (let i = 0; i <= units; i++) {
      for (let j = 0; i + j <= units; j++) {
        const s = [40 + i * step, j * step, 10 + (units - i - j) * step];
        if (s.some((x, k) => x > channels[k].upper + 1e-9)) continue;
        brute = Math.max(brute, channels.reduce((v, c, k) => v + c.value(s[k]), 0));
      }
    }
    expect(best.value).toBeCloseTo(brute, 12);
    expect(Object.values(best.spend).reduce((s, x) => s + x, 0)).toBeCloseTo(total, 9);
    for (const c of channels) {
      expect(best.spend[c.channel]).toBeGreaterThanOrEqual(c.lower - 1e-9);
      expect(best.spend[c.channel]).toBeLessThanOrEqual(c.upper + 1e-9);
    }
  });
  it('refuses a total the box cannot hold', () => {
    expect(() => bestSplit(channels, 10)).toThrow(/lower limits/);
    expect(() => bestSplit(channels, 1000)).toThrow(/upper limits/);
  });
});
