import { describe, expect, it } from 'vitest';
import { concordanceIndex } from '../../models/cox';
import { averageRanks, brierScore, calibrationByDecile, rocAuc, spearman } from '../../models/evaluation';
import { createRng } from '../../models/random';

/** AUC by its definition: every positive–negative pair, ties one half. */
function pairwiseAuc(s: readonly number[], y: readonly boolean[]): number {
  let num = 0, den = 0;
  for (let i = 0; i < s.length; i++) for (let j = 0; j < s.length; j++) {
    if (!y[i] || y[j]) continue;
    den++;
    num += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
  }
  return num / den;
}

describe('evaluation scores (references: definitions and hand-computed cases, exact to 1e-12)', () => {
  it('average ranks share ties', () => {
    expect(averageRanks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });

  it('Spearman equals 1 − 6Σd²/(n(n²−1)) without ties, and handles ties through ranks', () => {
    expect(spearman([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    expect(spearman([1, 2, 3, 4, 5], [5, 4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // Ties: ranks (1, 2.5, 2.5, 4) against (1, 2, 3, 4): Pearson by hand = 0.9486832980505138.
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9486832980505138, 12);
    expect(Number.isNaN(spearman([1, 1, 1], [1, 2, 3]))).toBe(true);
  });

  it('AUC equals the pairwise definition and the concordance index of a binary outcome', () => {
    const rng = createRng(7);
    const rand = () => rng.uniform();
    const s = Array.from({ length: 300 }, () => Math.round(rand() * 20) / 20); // many ties
    const y = s.map((v) => rand() < v);
    expect(rocAuc(s, y)).toBeCloseTo(pairwiseAuc(s, y), 12);
    // Harrell's C with the outcome as "event at time 0 vs censored at 1" and risk = score ranks positives above negatives.
    const c = concordanceIndex(y.map((v) => (v ? 0 : 1)), y.map((v) => (v ? 1 : 0)), s);
    expect(rocAuc(s, y)).toBeCloseTo(c, 12);
    expect(rocAuc([0.9, 0.8, 0.3, 0.1], [true, false, true, false])).toBe(0.75);
    expect(Number.isNaN(rocAuc([0.1, 0.2], [true, true]))).toBe(true);
  });

  it('Brier and calibration by decile by hand', () => {
    expect(brierScore([0.8, 0.3], [true, false])).toBeCloseTo((0.04 + 0.09) / 2, 12);
    const p = Array.from({ length: 20 }, (_, i) => (i + 0.5) / 20);
    const y = p.map((_, i) => i % 2 === 1);
    const cal = calibrationByDecile(p, y);
    expect(cal.bins.length).toBe(10);
    expect(cal.bins[0]).toEqual({ bin: 1, n: 2, predicted: 0.05, observed: 0.5 });
    expect(cal.maxGap).toBeCloseTo(0.45, 12);
  });
});
