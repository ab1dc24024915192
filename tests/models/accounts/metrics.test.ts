/**
 * The backtest measures of the account models against hand-computed small
 * examples and brute force: the top decile's lift (of positives and of ACV),
 * precision at k, each decile's share (the lift chart), calibration by
 * decile and the AUC (a count over every positive–negative pair).
 */
import { describe, expect, it } from 'vitest';
import { backtestMetrics, precisionAtK, shareByDecile, topShareLift } from '../../../models/accounts/backtest';
import { createRng } from '../../../models/random';

/** Rank of row i (0 = best) by counting: higher scores, and equal scores earlier in the input, come first. */
const rankOf = (scores: number[], i: number): number => scores.filter((s, j) => s > scores[i] || (s === scores[i] && j < i)).length;

describe('top-decile lift', () => {
  it('is the top tenth\'s share of positives over a tenth (hand example)', () => {
    // 20 accounts: the top 2 by score hold 2 of the 4 positives: (2/4) / (2/20) = 5.
    const scores = Array.from({ length: 20 }, (_, i) => 20 - i);
    const positives = scores.map((_, i) => i === 0 || i === 1 || i === 10 || i === 19);
    expect(topShareLift(scores, positives)).toBeCloseTo(5, 12);
  });

  it('is the top tenth\'s share of the won ACV over a tenth (hand example)', () => {
    // top 1 of 10 holds 60 of 100 won: 0.6 / 0.1 = 6.
    const scores = [9, 1, 2, 3, 4, 5, 6, 7, 8, 0];
    const acv = [60, 0, 0, 0, 10, 0, 0, 0, 30, 0];
    expect(topShareLift(scores, acv)).toBeCloseTo(6, 12);
    expect(topShareLift(scores, acv, 0.2)).toBeCloseTo(0.9 / 0.2, 12);
  });

  it('matches brute force on random rows, ties broken by input order', () => {
    const rng = createRng(11);
    for (let t = 0; t < 20; t++) {
      const n = rng.int(10, 200);
      const scores = Array.from({ length: n }, () => rng.int(0, 30));
      const values = Array.from({ length: n }, () => (rng.uniform() < 0.3 ? rng.int(1, 100) : 0));
      const k = Math.max(1, Math.round(n / 10));
      const total = values.reduce((s, v) => s + v, 0);
      const top = values.filter((_, i) => rankOf(scores, i) < k).reduce((s, v) => s + v, 0);
      expect(topShareLift(scores, values)).toBeCloseTo(total ? top / total / (k / n) : NaN, 10);
    }
  });

  it('is NaN when nothing was won', () => {
    expect(topShareLift([1, 1, 1, 1], [false, false, false, false])).toBeNaN();
  });
});

describe('precision at k', () => {
  it('counts the positives among the k best (hand example)', () => {
    expect(precisionAtK([0.9, 0.8, 0.1, 0.7], [true, false, true, true], 2)).toBe(0.5);
    expect(precisionAtK([0.9, 0.8, 0.1, 0.7], [true, false, true, true], 3)).toBeCloseTo(2 / 3, 12);
    expect(precisionAtK([0.9, 0.8], [true, false], 5)).toBe(0.5);
  });

  it('matches brute force on random rows', () => {
    const rng = createRng(12);
    for (let t = 0; t < 20; t++) {
      const n = rng.int(5, 100);
      const scores = Array.from({ length: n }, () => rng.uniform());
      const y = Array.from({ length: n }, () => rng.uniform() < 0.4);
      const k = rng.int(1, n);
      expect(precisionAtK(scores, y, k)).toBeCloseTo(y.filter((v, i) => v && rankOf(scores, i) < k).length / k, 12);
    }
  });
});

describe('the lift chart and calibration by decile', () => {
  it('gives each decile its share of the value, best first (hand example)', () => {
    const scores = Array.from({ length: 20 }, (_, i) => i); // decile 1 = rows 19, 18
    const values = scores.map((i) => (i >= 18 ? 30 : i === 0 ? 40 : 0));
    const shares = shareByDecile(scores, values);
    expect(shares).toHaveLength(10);
    expect(shares[0]).toBeCloseTo(0.6, 12);
    expect(shares[9]).toBeCloseTo(0.4, 12);
    expect(shares.slice(1, 9).every((s) => s === 0)).toBe(true);
  });

  it('puts mean predicted beside observed per decile (hand example) and the AUC over every pair', () => {
    // 20 rows: decile b holds the predictions 0.05·b − 0.04 and 0.05·b − 0.02 (b = 1..10), and one of its two happened from decile 6 on.
    const p = Array.from({ length: 20 }, (_, i) => 0.01 + 0.025 * i);
    const y = p.map((_, i) => i >= 10 && i % 2 === 1);
    const m = backtestMetrics(p, p, y, y.map(Number));
    expect(m.calibration).toHaveLength(10);
    for (let b = 0; b < 10; b++) {
      expect(m.calibration[b].n).toBe(2);
      expect(m.calibration[b].predicted).toBeCloseTo((p[2 * b] + p[2 * b + 1]) / 2, 12);
      expect(m.calibration[b].observed).toBe(b >= 5 ? 0.5 : 0);
    }
    let pairs = 0, wins = 0;
    for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) if (y[i] && !y[j]) { pairs++; wins += p[i] > p[j] ? 1 : p[i] === p[j] ? 0.5 : 0; }
    expect(m.auc).toBeCloseTo(wins / pairs, 12);
    expect(m.positives).toBe(5);
    // top 2 of 20 by p: rows 19 (positive) and 18: 1 of 5 positives → (1/5)/(2/20) = 2.
    expect(m.liftTopDecile).toBeCloseTo(2, 12);
    expect(m.precisionAtTopDecile).toBe(0.5);
  });
});
