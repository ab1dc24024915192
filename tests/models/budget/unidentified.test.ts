import { describe, expect, it } from 'vitest';
import { channelWindow, optimizeBudget, type ChannelResponse } from '../../../models/budget';

const hill = (beta: number, k: number, a: number) => (x: number) => (beta * x ** a) / (x ** a + k ** a);

// display has by far the steepest curve: unbounded, the optimum pours money into it.
const channels: ChannelResponse[] = [
  { channel: 'display', current: 30_000, response: hill(400_000, 40_000, 1.2) },
  { channel: 'search', current: 50_000, response: hill(150_000, 60_000, 1) },
  { channel: 'webinar', current: 40_000, response: hill(120_000, 30_000, 1.5) },
];
const budget = 120_000;
const maxChange = 0.3;

/** Brute force on a $100 grid: every (display, search) pair, webinar takes the rest, each inside [current·(1 − step), current·(1 + step)]. */
function bruteForce(steps: Record<string, number>): { value: number; x: Record<string, number> } {
  const [d, s, w] = channels;
  const lo = (c: ChannelResponse) => c.current * (1 - steps[c.channel]);
  const hi = (c: ChannelResponse) => c.current * (1 + steps[c.channel]);
  let best = { value: -Infinity, x: {} as Record<string, number> };
  for (let xd = Math.ceil(lo(d) / 100) * 100; xd <= hi(d) + 1e-9; xd += 100) {
    for (let xs = Math.ceil(lo(s) / 100) * 100; xs <= hi(s) + 1e-9; xs += 100) {
      const xw = budget - xd - xs;
      if (xw < lo(w) - 1e-9 || xw > hi(w) + 1e-9) continue;
      const value = d.response(xd) + s.response(xs) + w.response(xw);
      if (value > best.value) best = { value, x: { display: xd, search: xs, webinar: xw } };
    }
  }
  return best;
}

describe('an unidentified channel moves at most one step (budget.unidentifiedMaxChange)', () => {
  it('unflagged, display moves beyond 5% (the bound is what holds it below)', () => {
    const plan = optimizeBudget(channels, { budget, maxChange, steps: 600 });
    const display = plan.lines.find((l) => l.channel === 'display')!;
    expect(display.changePct!).toBeGreaterThan(0.05);
    expect(plan.expectedAcv).toBeGreaterThanOrEqual(bruteForce({ display: maxChange, search: maxChange, webinar: maxChange }).value - 1e-6);
  });

  it('flagged, display stays within ±5% and the plan matches the brute-force optimum under that extra bound', () => {
    const flagged = channels.map((c) => (c.channel === 'display' ? { ...c, guardrails: { unidentified: true } } : c));
    const plan = optimizeBudget(flagged, { budget, maxChange, steps: 600, unidentifiedMaxChange: 0.05 });
    const display = plan.lines.find((l) => l.channel === 'display')!;
    expect(Math.abs(display.changePct!)).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(display.binding).toBe('unidentified');
    expect(display.upper).toBeCloseTo(31_500, 6);
    const brute = bruteForce({ display: 0.05, search: maxChange, webinar: maxChange });
    // The brute force runs on a $100 grid, the optimizer polishes off its grid: never worse, and only a grid step's worth better.
    expect(plan.expectedAcv).toBeGreaterThanOrEqual(brute.value - 1e-6);
    expect(plan.expectedAcv - brute.value).toBeLessThan(0.001 * brute.value);
    for (const l of plan.lines) expect(Math.abs(l.recommended - brute.x[l.channel])).toBeLessThanOrEqual(200);
    expect(plan.totalSpend).toBeCloseTo(budget, 6);
  });

  it('by default the channel is held, a step moves it that far, a tighter general max-change still wins, and a bad step is refused', () => {
    const c: ChannelResponse = { channel: 'display', current: 100, response: (x) => x, guardrails: { unidentified: true } };
    expect(channelWindow(c, 0.2)).toMatchObject({ lower: 100, upper: 100, lowerBy: 'unidentified', upperBy: 'unidentified', unidentifiedStep: 0 });
    expect(channelWindow(c, 0.2, 0.05)).toMatchObject({ lower: 95, upper: 105, lowerBy: 'unidentified', upperBy: 'unidentified', unidentifiedStep: 0.05 });
    expect(channelWindow(c, 0.02, 0.05)).toMatchObject({ lower: 98, upper: 102, lowerBy: 'max_change_down', upperBy: 'max_change_up' });
    const wider = channelWindow(c, undefined, 0.1);
    expect([wider.lower, wider.upper]).toEqual([expect.closeTo(90, 9), expect.closeTo(110, 9)]);
    expect(() => channelWindow(c, 0.2, -1)).toThrow(/unidentifiedMaxChange/);
  });
});
