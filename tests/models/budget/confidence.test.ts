import { describe, expect, it } from 'vitest';
import { optimizeBudget, type ChannelResponse } from '../../../models/budget';

/**
 * budget.minConfidence: a reallocation goes only as far as the joint draws
 * agree it gains. Two linear channels, so every quantity has a closed form:
 * moving m dollars from b to a gains m·(roi_a − roi_b) in a draw, positive
 * exactly when that draw's roi_a > roi_b, whatever m is.
 */
const linear = (roi: number) => (x: number) => roi * x;
const channelsWith = (aDraws: number[], bDraws: number[]): ChannelResponse[] => [
  { channel: 'a', current: 100_000, response: linear(aDraws.reduce((s, r) => s + r, 0) / aDraws.length), draws: aDraws.map(linear) },
  { channel: 'b', current: 100_000, response: linear(bDraws.reduce((s, r) => s + r, 0) / bDraws.length), draws: bDraws.map(linear) },
];
const options = { budget: 200_000, maxChange: 0.2, steps: 200 };

describe('a reallocation held to the draws\' confidence (minConfidence)', () => {
  it('moves the whole way when every draw agrees', () => {
    const plan = optimizeBudget(channelsWith([2, 2.2, 1.8, 2.1], [1, 1.1, 0.9, 1]), { ...options, minConfidence: 0.8 });
    expect(plan.lines.find((l) => l.channel === 'a')!.recommended).toBeCloseTo(120_000, 6);
    expect(plan.lines.find((l) => l.channel === 'a')!.binding).toBe('max_change_up');
  });

  it('keeps the current split when only 3 of 5 draws gain (60% < 80%), and flags why', () => {
    // Mean ROI of a is higher (1.6 vs 1), so the optimum of the means moves money to a.
    const a = [3, 2.5, 1.5, 0.5, 0.5];
    const b = [1, 1, 1, 1, 1];
    const free = optimizeBudget(channelsWith(a, b), options);
    expect(free.lines.find((l) => l.channel === 'a')!.recommended).toBeCloseTo(120_000, 6);
    const held = optimizeBudget(channelsWith(a, b), { ...options, minConfidence: 0.8 });
    for (const l of held.lines) {
      expect(l.recommended).toBeCloseTo(l.current, 6);
      expect(l.binding).toBe('confidence');
    }
    expect(held.totalSpend).toBeCloseTo(200_000, 6);
    // At 60% it is sure enough.
    const looser = optimizeBudget(channelsWith(a, b), { ...options, minConfidence: 0.6 });
    expect(looser.lines.find((l) => l.channel === 'a')!.recommended).toBeCloseTo(120_000, 6);
  });

  it('shortens a move on curved responses to the longest step that is sure enough (brute force over the steps)', () => {
    // Draw d of a: saturating at its own scale; b linear at 0.35. The optimum of the means puts a at its +50% cap;
    // a draw with a small scale gains from a short move into a and loses from the whole one.
    const scales = [40_000, 60_000, 80_000, 100_000, 150_000];
    const aDraws = scales.map((k) => (x: number) => (3 * k * x) / (x + k));
    const a: ChannelResponse = { channel: 'a', current: 100_000, response: (x) => aDraws.reduce((s, f) => s + f(x), 0) / 5, draws: aDraws };
    const b: ChannelResponse = { channel: 'b', current: 100_000, response: linear(0.35), draws: scales.map(() => linear(0.35)) };
    const wide = { ...options, maxChange: 0.5 };
    const plan = optimizeBudget([a, b], { ...wide, minConfidence: 0.8 });
    const free = optimizeBudget([a, b], wide);
    const optimum = free.lines.map((l) => l.recommended);
    const gainShare = (x: number[]) => aDraws.filter((f) => f(x[0]) - f(100_000) + 0.35 * (x[1] - 100_000) > 0).length / 5;
    const expected = [1, 0.75, 0.5, 0.25].map((t) => optimum.map((v) => 100_000 + t * (v - 100_000))).find((x) => gainShare(x) >= 0.8)
      ?? [100_000, 100_000];
    plan.lines.forEach((l, i) => expect(l.recommended).toBeCloseTo(expected[i], 3));
    // Neither the optimum nor the current split: a shortened move.
    expect(optimum[0]).toBeCloseTo(150_000, 3);
    expect(plan.lines[0].recommended).toBeGreaterThan(100_001);
    expect(plan.lines[0].recommended).toBeLessThan(149_999);
    expect(plan.lines[0].binding).toBe('confidence');
  });

  it('refuses a confidence outside [0, 1]', () => {
    expect(() => optimizeBudget(channelsWith([1, 2], [1, 1]), { ...options, minConfidence: 1.5 })).toThrow(/minConfidence/);
  });
});
