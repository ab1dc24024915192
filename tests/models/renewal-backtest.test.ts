import { describe, expect, it } from 'vitest';
import { brierScore } from '../../models/evaluation';
import { rollingRenewalBacktest } from '../../models/renewal-backtest';
import type { RenewalDecision, RenewalModel } from '../../models/renewal';

/** Decisions on the 15th of each month of 2025–2026; every third one renews not. */
const decisions: RenewalDecision[] = Array.from({ length: 24 }, (_, i) => ({
  contract_id: `c${i}`, account_id: `a${i}`, decided_at: `${2025 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-15`,
  renewed: i % 3 !== 0, segment: 'smb', region: null, renewalsSoFar: 0, discountPct: 0, acvUsd: 1000, termMonths: 12, usageTrend: null,
} as unknown as RenewalDecision));

describe('rolling-origin renewal backtest (reference: the windows and scores counted by hand)', () => {
  it('trains strictly before each origin and scores the next horizon, pooling the scores', () => {
    const seen: number[] = [];
    // A model that predicts the training renewal rate for everyone (an empirical model with one segment).
    const fit = (train: readonly RenewalDecision[]): RenewalModel => {
      seen.push(train.length);
      const rate = train.filter((d) => d.renewed).length / train.length;
      return { kind: 'empirical', bySegment: { smb: rate }, overall: rate, nDecisions: train.length } as RenewalModel;
    };
    const bt = rollingRenewalBacktest(decisions, { asOf: '2026-11-01', origins: 4, horizonMonths: 3 }, fit);
    expect(bt.origins.map((o) => o.origin)).toEqual(['2025-11-01', '2026-02-01', '2026-05-01', '2026-08-01']);
    // Before 2025-11-01: the decisions of Jan–Oct 2025 (10); tested: Nov, Dec 2025 and Jan 2026 (3).
    expect(seen).toEqual([10, 13, 16, 19]);
    expect(bt.origins.map((o) => o.test)).toEqual([3, 3, 3, 3]);
    // Each origin's last training decision and first scored one: the month before the origin and the origin's month (the 15th).
    expect(bt.origins.map((o) => [o.trainedThrough, o.firstScored])).toEqual([
      ['2025-10-15', '2025-11-15'], ['2026-01-15', '2026-02-15'], ['2026-04-15', '2026-05-15'], ['2026-07-15', '2026-08-15']]);
    // By hand, origin by origin: p = train rate, y = the tested decisions' outcomes.
    const p: number[] = [];
    const y: boolean[] = [];
    for (const [trainN, from] of [[10, 10], [13, 13], [16, 16], [19, 19]]) {
      const rate = decisions.slice(0, trainN).filter((d) => d.renewed).length / trainN;
      for (const d of decisions.slice(from, from + 3)) { p.push(rate); y.push(d.renewed); }
    }
    expect(bt.brier).toBeCloseTo(brierScore(p, y), 12);
    expect(bt.tested).toBe(12);
    // One prediction per origin: AUC counts pairs across origins (positives ranked by their origin's rate).
    expect(bt.auc).not.toBeNull();
  });

  it('tests nothing at an origin it cannot fit, and says so', () => {
    const bt = rollingRenewalBacktest(decisions, { asOf: '2025-03-01', origins: 2, horizonMonths: 1 }, () => null);
    expect(bt.tested).toBe(0);
    expect(bt.brier).toBeNull();
    expect(bt.origins.every((o) => o.brier === null)).toBe(true);
  });
});
