import { describe, expect, it } from 'vitest';
import { InfeasibleBudgetError, proposeBudget, recentSpend, type BudgetChannel } from '../../models/budget';

/** Best Σ roi·x over an integer grid of allocations within the guardrails (brute force). */
function gridOptimum(channels: BudgetChannel[], maxChange: number, total: number): { value: number; x: number[] } {
  const lo = channels.map((c) => (c.locked ? c.current : c.current * (1 - maxChange)));
  const hi = channels.map((c) => (c.locked ? c.current : c.current * (1 + maxChange)));
  let best = { value: -Infinity, x: [] as number[] };
  const rec = (i: number, x: number[], sum: number) => {
    if (i === channels.length - 1) {
      const last = total - sum;
      if (last < lo[i] - 1e-9 || last > hi[i] + 1e-9) return;
      const all = [...x, last];
      const value = all.reduce((s, v, k) => s + v * channels[k].roi, 0);
      if (value > best.value) best = { value, x: all };
      return;
    }
    for (let v = Math.ceil(lo[i]); v <= Math.floor(hi[i]); v++) rec(i + 1, [...x, v], sum + v);
  };
  rec(0, [], 0);
  return best;
}

describe('proposeBudget against a brute-force grid optimum', () => {
  it.each([
    {
      name: '3 channels, total fixed',
      channels: [
        { channel: 'a', current: 100, roi: 3 },
        { channel: 'b', current: 200, roi: 1 },
        { channel: 'c', current: 300, roi: 2 },
      ],
      binding: ['max_change_up', 'max_change_down', 'none'],
    },
    {
      name: 'locked and zero-spend channels stay put even with the best ROI',
      channels: [
        { channel: 'a', current: 100, roi: 5, locked: true },
        { channel: 'b', current: 0, roi: 10 },
        { channel: 'c', current: 200, roi: 1 },
        { channel: 'd', current: 300, roi: 2 },
      ],
      binding: ['locked', 'zero_spend', 'max_change_down', 'none'],
    },
  ])('$name', ({ channels, binding }) => {
    const p = proposeBudget(channels);
    const total = channels.reduce((s, c) => s + c.current, 0);
    const grid = gridOptimum(channels, 0.2, total); // integer grid contains the LP vertex here
    expect(p.total).toBe(total);
    expect(p.lines.reduce((s, l) => s + l.recommended, 0)).toBeCloseTo(total, 9);
    expect(p.recommendedReturn).toBeCloseTo(grid.value, 9);
    p.lines.forEach((l, i) => expect(l.recommended).toBeCloseTo(grid.x[i], 9));
    expect(p.lines.map((l) => l.binding)).toEqual(binding);
    expect(p.recommendedReturn).toBeGreaterThanOrEqual(p.currentReturn);
  });

  it('the 3-channel case by hand: a 100→120, b 200→160, c 300→320', () => {
    const p = proposeBudget([
      { channel: 'a', current: 100, roi: 3 },
      { channel: 'b', current: 200, roi: 1 },
      { channel: 'c', current: 300, roi: 2 },
    ]);
    expect(p.lines.map((l) => [l.recommended, l.change])).toEqual([
      [120, 20],
      [160, -40],
      [320, 20],
    ]);
    expect(p.recommendedReturn).toBe(1160);
  });

  it('names the conflict when the guardrails cannot meet the total', () => {
    const ch = [
      { channel: 'a', current: 100, roi: 3, locked: true },
      { channel: 'b', current: 100, roi: 1 },
      { channel: 'z', current: 0, roi: 9 },
    ];
    expect(() => proposeBudget(ch, { total: 300 })).toThrow(InfeasibleBudgetError);
    expect(() => proposeBudget(ch, { total: 300 })).toThrow(/above the sum of the channels' maximums 220.*locked: a.*zero spend stays zero: z/);
    expect(() => proposeBudget(ch, { total: 150 })).toThrow(/below the sum of the channels' minimums 180/);
  });
});

describe('recentSpend', () => {
  it('means the last 3 months through the given month, missing months as 0', () => {
    expect(
      recentSpend(
        [
          { month: '2024-01', channel: 'email', amount_usd: 90 },
          { month: '2024-03', channel: 'email', amount_usd: 30 },
          { month: '2024-04', channel: 'email', amount_usd: 60 },
          { month: '2023-12', channel: 'event', amount_usd: 500 }, // outside the window
          { month: '2024-05', channel: 'event', amount_usd: 500 }, // after throughMonth
        ],
        '2024-04',
      ),
    ).toEqual({ email: 30, event: 0 });
  });
});
