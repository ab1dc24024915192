import { describe, expect, it } from 'vitest';
import { pearson } from '../../../models/evaluation';
import { assessIdentifiability, coefficientOfVariation, confoundedGroup } from '../../../models/identifiability';
import { fitMmm, type MmmFit } from '../../../models/mmm';
import { months, plantedWorld } from '../../helpers/planted-identifiability';

const world = plantedWorld(11);
const result = (fit: MmmFit, c: string) => fit.results.find((r) => r.channel === c)!;
const fitted = fitMmm(world.input, { bootstrap: 40, seed: 3 });
// The same fit with the collinearity rule switched off: what the interval said before it widened.
const unflagged = fitMmm(world.input, { bootstrap: 40, seed: 3, identifiability: { maxCorrelation: 2 } });

describe('identifiability flags (closed forms)', () => {
  it('fixed shares of one total correlate exactly; a constant has no variation; the coefficient of variation is sd/mean', () => {
    expect(pearson([1, 2, 4, 3], [0.4, 0.8, 1.6, 1.2])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([5, 5, 5], [1, 2, 3])).toBe(0);
    // [90, 110]: sd (n − 1) = √200 = 14.142…, mean 100.
    expect(coefficientOfVariation([90, 110])).toBeCloseTo(Math.sqrt(200) / 100, 12);
    expect(coefficientOfVariation([80, 80, 80])).toBe(0);
  });

  it('flags the collinear pair (naming each other), the flat channel and the short one; a varied channel is identified', () => {
    const spend = { ...world.input.spend, pilot: months.map((_, i) => (i >= 33 ? 40 + i : 0)) };
    const flags = assessIdentifiability(spend, { search: 0.3, social: 0.6, webinar: 0.2, print: 0.3, pilot: 0 });
    expect(flags.search.reasons.map((r) => [r.kind, r.channels])).toEqual([['collinear', ['social']]]);
    expect(flags.search.reasons[0].value).toBeCloseTo(1, 12);
    expect(flags.social.reasons.map((r) => [r.kind, r.channels])).toEqual([['collinear', ['search']]]);
    expect(flags.print).toMatchObject({ identified: false, reasons: [{ kind: 'low_variation', value: 0, threshold: 0.05 }] });
    expect(flags.pilot).toMatchObject({ identified: false, reasons: [{ kind: 'short_history', value: 3, threshold: 6 }] });
    expect(flags.webinar).toEqual({ identified: true, reasons: [] });
    expect(confoundedGroup(flags, 'social')).toEqual(['search', 'social']);
    expect(confoundedGroup(flags, 'webinar')).toEqual(['webinar']);
  });

  it('a spend series varied just above the thresholds is identified, just below is not', () => {
    const base = months.map((_, i) => 100 + (i % 2 ? 6 : -6));
    // CV of ±6 around 100 over 36 months: 6 · √(36/35) / 100 = 0.0609.
    expect(assessIdentifiability({ a: base }).a.identified).toBe(true);
    expect(assessIdentifiability({ a: base }, {}, { minVariation: 0.07 }).a.reasons[0].kind).toBe('low_variation');
  });
});

describe('the fitted model says what it cannot know (planted world)', () => {
  it('carries the flags on every channel result', () => {
    const kinds = Object.fromEntries(fitted.results.map((r) => [r.channel, r.identifiability.reasons.map((x) => x.kind)]));
    expect(kinds).toEqual({ print: ['low_variation'], search: ['collinear'], social: ['collinear'], webinar: [] });
  });

  it('a collinear channel\'s 80% interval runs from 0 to at least what the pair caused together, and holds the planted truth', () => {
    for (const c of ['search', 'social']) {
      const r = result(fitted, c);
      expect(r.incrementalAcvQuantiles.p10).toBe(0);
      expect(r.incrementalAcvQuantiles.p90).toBeGreaterThanOrEqual(result(fitted, 'search').incrementalAcv + result(fitted, 'social').incrementalAcv - 1e-9);
      expect(r.incrementalAcvQuantiles.p10).toBeLessThanOrEqual(world.truth[c]);
      expect(r.incrementalAcvQuantiles.p90).toBeGreaterThanOrEqual(world.truth[c]);
      expect(r.roiQuantiles.p90).toBeCloseTo(r.incrementalAcvQuantiles.p90 / r.spend, 9);
    }
  });

  it('without the flag the bootstrap alone misses a planted truth (what the widening is for)', () => {
    const missed = ['search', 'social'].filter((c) => {
      const q = result(unflagged, c).incrementalAcvQuantiles;
      return world.truth[c] < q.p10 || world.truth[c] > q.p90;
    });
    expect(missed.length).toBeGreaterThan(0);
  });

  it('an identified channel keeps the bootstrap interval; a flat one is floored at 0', () => {
    expect(result(fitted, 'webinar').incrementalAcvQuantiles).toEqual(result(unflagged, 'webinar').incrementalAcvQuantiles);
    expect(result(fitted, 'print').incrementalAcvQuantiles.p10).toBe(0);
    expect(result(fitted, 'print').incrementalAcvQuantiles.p90).toBe(result(unflagged, 'print').incrementalAcvQuantiles.p90);
  });
});
