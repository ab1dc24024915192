import { describe, expect, it } from 'vitest';
import { InfeasibleBudgetError, optimizeBudget, type ChannelResponse, type OptimizeBudgetOptions } from '../../../models/budget';

/** Hill curve: beta·x^a / (x^a + k^a); S-shaped when a > 1. */
const hill = (beta: number, k: number, a: number) => (x: number) => (beta * x ** a) / (x ** a + k ** a);
const hillSlope = (beta: number, k: number, a: number) => (x: number) => (beta * a * k ** a * x ** (a - 1)) / (x ** a + k ** a) ** 2;
const logCurve = (a: number, b: number) => (x: number) => a * Math.log(1 + x / b);
const linear = (roi: number) => (x: number) => roi * x;

/** Sample sd (n − 1), written out so the reference does not share code with the model. */
function sampleSd(v: readonly number[]): number {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1));
}

interface GridCase {
  channels: ChannelResponse[];
  /** Each channel's window, derived by hand from its guardrails. */
  windows: [number, number][];
  options: OptimizeBudgetOptions;
}

/**
 * Brute force: every allocation lower_i + k_i·h with Σ k_i = K (or ≤ K for
 * 'at_most'), h = (budget − Σ lower) / steps, each within its window; the best
 * Σ (response − λ·sd(draws)).
 */
function bruteForce({ channels, windows, options }: GridCase): { value: number; x: number[]; runnerUp: number } {
  const K = options.steps!;
  const lowerSum = windows.reduce((s, w) => s + w[0], 0);
  const h = (options.budget - lowerSum) / K;
  const lambda = options.uncertaintyPenalty ?? 0;
  const value = (c: ChannelResponse, x: number) =>
    c.response(x) - (lambda ? lambda * sampleSd(c.draws!.map((d) => d(x))) : 0);
  const tables = channels.map((c, i) => {
    const m = Math.min(K, Math.floor((windows[i][1] - windows[i][0]) / h + 1e-9));
    return Array.from({ length: m + 1 }, (_, j) => value(c, windows[i][0] + j * h));
  });
  let best = { value: -Infinity, k: [] as number[] };
  let runnerUp = -Infinity;
  const rec = (i: number, k: number[], used: number, acc: number) => {
    if (i === channels.length) {
      if (options.totalMode !== 'at_most' && used !== K) return;
      if (acc > best.value) {
        runnerUp = best.value;
        best = { value: acc, k: [...k] };
      } else if (acc > runnerUp) runnerUp = acc;
      return;
    }
    for (let j = 0; j < tables[i].length && used + j <= K; j++) rec(i + 1, [...k, j], used + j, acc + tables[i][j]);
  };
  rec(0, [], 0, 0);
  return { value: best.value, x: best.k.map((j, i) => windows[i][0] + j * h), runnerUp };
}

const gridCases: (GridCase & { name: string })[] = [
  {
    name: '2 S-shaped channels, total fixed, no guardrails',
    channels: [
      { channel: 'a', current: 50, response: hill(300, 60, 3) },
      { channel: 'b', current: 50, response: hill(200, 30, 2) },
    ],
    windows: [[0, Infinity], [0, Infinity]],
    options: { budget: 100, steps: 200 },
  },
  {
    name: '3 channels: an absolute min, a max as a multiple of current, S-shaped and concave',
    channels: [
      { channel: 'a', current: 40, response: hill(500, 80, 2.5), guardrails: { min: 20 } },
      { channel: 'b', current: 30, response: logCurve(90, 20), guardrails: { max: { timesCurrent: 1.5 } } }, // max 45
      { channel: 'c', current: 30, response: hill(150, 25, 1.8), guardrails: { min: { timesCurrent: 0.5 } } }, // min 15
    ],
    windows: [[20, Infinity], [0, 45], [15, Infinity]],
    options: { budget: 100, steps: 60 },
  },
  {
    name: '4 channels: a lock, max change binding up and down, S-shaped',
    channels: [
      { channel: 'a', current: 100, response: hill(900, 150, 3), guardrails: { maxChange: 0.25 } }, // 75..125
      { channel: 'b', current: 80, response: logCurve(200, 40), guardrails: { maxChange: 0.5 } }, // 40..120
      { channel: 'c', current: 60, response: hill(100, 200, 2), guardrails: { locked: true } },
      { channel: 'd', current: 60, response: hill(260, 50, 1.5), guardrails: { max: 90 } }, // default change 0.6: 24..90
    ],
    windows: [[75, 125], [40, 120], [60, 60], [24, 90]],
    options: { budget: 300, steps: 40, maxChange: 0.6 },
  },
  {
    name: "'at_most': a curve that turns down is not filled to the budget",
    channels: [
      { channel: 'a', current: 20, response: (x) => 3 * x - x ** 2 / 40 }, // peaks at 60
      { channel: 'b', current: 20, response: (x) => hill(80, 30, 2)(x) - 0.1 * x }, // S-shaped, then turns down
      { channel: 'c', current: 20, response: (x) => 2 * x - x ** 2 / 20, guardrails: { min: 10 } }, // peaks at 20
    ],
    windows: [[0, Infinity], [0, Infinity], [10, Infinity]],
    options: { budget: 400, steps: 60, totalMode: 'at_most' },
  },
  {
    name: 'uncertainty penalty λ = 1.5 with 4 bootstrap draws per channel',
    channels: [
      { channel: 'a', current: 50, response: hill(400, 60, 2), draws: [0.6, 0.9, 1.2, 1.3].map((s) => hill(400 * s, 60, 2)) },
      { channel: 'b', current: 50, response: logCurve(120, 30), draws: [0.95, 1, 1, 1.05].map((s) => logCurve(120 * s, 30)) },
      { channel: 'c', current: 50, response: hill(200, 40, 1.4), draws: [0.8, 1.1, 0.9, 1.2].map((s) => hill(200, 40 * s, 1.4)) },
    ],
    windows: [[0, Infinity], [0, Infinity], [0, Infinity]],
    options: { budget: 150, steps: 50, uncertaintyPenalty: 1.5 },
  },
];

describe('optimizeBudget is exact on its grid (brute-force enumeration, relative tolerance 1e-9)', () => {
  it.each(gridCases)('$name', (c) => {
    const plan = optimizeBudget(c.channels, { ...c.options, refine: false });
    const bf = bruteForce(c);
    expect(plan.gridStep).toBeCloseTo((c.options.budget - c.windows.reduce((s, w) => s + w[0], 0)) / c.options.steps!, 12);
    expect(Math.abs(plan.objectiveValue - bf.value)).toBeLessThanOrEqual(1e-9 * Math.abs(bf.value));
    // The allocation is the brute-force one whenever the grid optimum is unique (by more than the tolerance).
    if (bf.value - bf.runnerUp > 1e-9 * Math.abs(bf.value)) {
      plan.lines.forEach((l, i) => expect(l.recommended).toBeCloseTo(bf.x[i], 9));
    }
    plan.lines.forEach((l, i) => {
      expect(l.lower).toBe(c.windows[i][0]);
      expect(l.upper ?? Infinity).toBe(c.windows[i][1]);
    });
    if (c.options.totalMode !== 'at_most') expect(plan.totalSpend).toBeCloseTo(c.options.budget, 9);
  });

  it.each(gridCases)('refining never loses against the grid optimum: $name', (c) => {
    const grid = optimizeBudget(c.channels, { ...c.options, refine: false });
    const refined = optimizeBudget(c.channels, c.options);
    expect(refined.objectiveValue).toBeGreaterThanOrEqual(grid.objectiveValue);
    refined.lines.forEach((l, i) => {
      expect(l.recommended).toBeGreaterThanOrEqual(c.windows[i][0] - 1e-9);
      expect(l.recommended).toBeLessThanOrEqual(c.windows[i][1] + 1e-9);
    });
    if (c.options.totalMode === 'at_most') expect(refined.totalSpend).toBeLessThanOrEqual(c.options.budget + 1e-9);
    else expect(refined.totalSpend).toBeCloseTo(c.options.budget, 9);
  });

  it("the 'at_most' case stops at the curves' peaks (a at 60, c at 20) instead of spending 400", () => {
    const plan = optimizeBudget(gridCases[3].channels, gridCases[3].options);
    expect(plan.lines[0].recommended).toBeCloseTo(60, 4); // tolerance 1e-4: golden-section polish of a smooth peak
    expect(plan.lines[2].recommended).toBeCloseTo(20, 4);
    expect(plan.totalSpend).toBeLessThan(400);
    expect(plan.lines[0].binding).toBe('none');
    expect(plan.lines[0].marginalRoi).toBeCloseTo(0, 4);
  });
});

describe('continuous optimum after refinement (closed forms)', () => {
  it('two log curves: equal marginal returns a1/(b1+x1) = a2/(b2+x2); allocation within 1e-6 of the budget', () => {
    const [a1, b1, a2, b2, B] = [300_000, 40_000, 180_000, 15_000, 120_000];
    const x1 = (a1 * (b2 + B) - a2 * b1) / (a1 + a2); // 70,000
    const plan = optimizeBudget(
      [
        { channel: 'one', current: 60_000, response: logCurve(a1, b1) },
        { channel: 'two', current: 60_000, response: logCurve(a2, b2) },
      ],
      { budget: B },
    );
    expect(Math.abs(plan.lines[0].recommended - x1)).toBeLessThanOrEqual(1e-6 * B);
    expect(Math.abs(plan.lines[1].recommended - (B - x1))).toBeLessThanOrEqual(1e-6 * B);
    // Marginal ROI: the closed form a/(b + x), relative tolerance 1e-6.
    expect(plan.lines[0].marginalRoi).toBeCloseTo(a1 / (b1 + x1), 5);
    expect(plan.lines[1].marginalRoi).toBeCloseTo(a2 / (b2 + B - x1), 5);
    expect(plan.lines.map((l) => l.binding)).toEqual(['total', 'total']);
  });

  it('a window edge off the grid is reached exactly (tolerance 1e-9)', () => {
    const plan = optimizeBudget(
      [
        { channel: 'best', current: 1000, response: linear(4), guardrails: { max: 1234.567 } },
        { channel: 'rest', current: 1000, response: linear(1) },
      ],
      { budget: 2000, steps: 7 },
    );
    expect(plan.lines[0].recommended).toBeCloseTo(1234.567, 9);
    expect(plan.lines[0].binding).toBe('max');
    expect(plan.expectedAcv).toBeCloseTo(4 * 1234.567 + (2000 - 1234.567), 6);
  });

  it('beats greedy marginal allocation on an S-shaped curve (reference: a 1-D scan at $0.01, tolerance $0.05)', () => {
    const s = hill(100, 50, 4); // flat at 0: marginal return ~0 until spend builds up
    const c = logCurve(40, 30);
    const B = 100;
    let best = { x: 0, v: -Infinity };
    for (let k = 0; k <= B * 100; k++) {
      const x = k / 100;
      const v = s(x) + c(B - x);
      if (v > best.v) best = { x, v };
    }
    // Greedy: hand out $1 at a time to the channel whose next dollar returns most.
    const greedy = [0, 0];
    for (let d = 0; d < B; d++) {
      if (s(greedy[0] + 1) - s(greedy[0]) > c(greedy[1] + 1) - c(greedy[1])) greedy[0]++;
      else greedy[1]++;
    }
    const greedyValue = s(greedy[0]) + c(greedy[1]);
    const plan = optimizeBudget(
      [
        { channel: 's_curve', current: 50, response: s },
        { channel: 'concave', current: 50, response: c },
      ],
      { budget: B },
    );
    expect(greedy[0]).toBe(0); // greedy never crosses the flat start of the S
    expect(Math.abs(plan.lines[0].recommended - best.x)).toBeLessThanOrEqual(0.05);
    expect(plan.expectedAcv).toBeGreaterThanOrEqual(best.v - 1e-6);
    expect(plan.expectedAcv - greedyValue).toBeGreaterThan(20);
  });

  it('marginal ROI of a Hill curve matches its derivative (relative tolerance 1e-6)', () => {
    const plan = optimizeBudget(
      [
        { channel: 'h', current: 30_000, response: hill(200_000, 40_000, 2.2), guardrails: { locked: true } },
        { channel: 'l', current: 10_000, response: linear(1) },
      ],
      { budget: 40_000 },
    );
    const exact = hillSlope(200_000, 40_000, 2.2)(30_000);
    expect(Math.abs(plan.lines[0].marginalRoi - exact)).toBeLessThanOrEqual(1e-6 * exact);
  });
});

describe('which guardrail binds (linear returns: the optimum fills the best ROI first, by hand)', () => {
  const channels: ChannelResponse[] = [
    { channel: 'a', current: 150, response: linear(5), guardrails: { max: 200 } },
    { channel: 'b', current: 100, response: linear(4), guardrails: { maxChange: 0.5 } },
    { channel: 'c', current: 300, response: linear(0.5), guardrails: { maxChange: 0.2 } },
    { channel: 'd', current: 120, response: linear(0.1), guardrails: { min: 100 } },
    { channel: 'e', current: 50, response: linear(9), guardrails: { locked: true } },
    { channel: 'f', current: 200, response: linear(3) },
    { channel: 'g', current: 80, response: linear(0.2) },
  ];
  // a 200 (its max), b 150 (+50%), c 240 (−20%), d 100 (min), e 50 (locked), g 0; f takes the rest: 1000 − 740 = 260.
  const expected = [
    ['a', 200, 'max'],
    ['b', 150, 'max_change_up'],
    ['c', 240, 'max_change_down'],
    ['d', 100, 'min'],
    ['e', 50, 'locked'],
    ['f', 260, 'total'],
    ['g', 0, 'none'],
  ];
  const plan = optimizeBudget(channels, { budget: 1000 });
  it('recommended spend within $1e-6, and the binding guardrail per channel', () => {
    plan.lines.forEach((l, i) => {
      expect(l.channel).toBe(expected[i][0]);
      expect(Math.abs(l.recommended - (expected[i][1] as number))).toBeLessThanOrEqual(1e-6);
      expect(l.binding).toBe(expected[i][2]);
    });
    expect(plan.expectedAcv).toBeCloseTo(5 * 200 + 4 * 150 + 0.5 * 240 + 0.1 * 100 + 9 * 50 + 3 * 260, 6);
    expect(plan.currentAcv).toBeCloseTo(5 * 150 + 4 * 100 + 0.5 * 300 + 0.1 * 120 + 9 * 50 + 3 * 200 + 0.2 * 80, 9);
  });
  it('change, change % and marginal ROI per line (exact to 1e-6)', () => {
    const c = plan.lines[2];
    expect(c.change).toBeCloseTo(-60, 6);
    expect(c.changePct).toBeCloseTo(-0.2, 9);
    expect(c.marginalRoi).toBeCloseTo(0.5, 6);
    expect(plan.lines[6].changePct).toBeCloseTo(-1, 9);
  });
  it('a channel with no current spend and a max change cannot move: its window is closed', () => {
    const p = optimizeBudget(
      [
        { channel: 'new', current: 0, response: linear(10), guardrails: { maxChange: 0.2 } },
        { channel: 'old', current: 100, response: linear(1) },
      ],
      { budget: 100 },
    );
    expect(p.lines.map((l) => [l.recommended, l.binding, l.changePct])).toEqual([
      [0, 'max_change_up', null],
      [100, 'total', 0],
    ]);
  });
});

describe('intervals from draws (closed form: draws r·(1+e), e ∈ {−s, 0, s}; tolerance 1e-6 relative)', () => {
  const scaled = (f: (x: number) => number, s: number) => [-s, 0, s].map((e) => (x: number) => (1 + e) * f(x));
  const [a1, b1, s1, a2, b2, s2, B, lambda] = [1000, 50, 0.4, 800, 30, 0.05, 200, 1];
  const channels: ChannelResponse[] = [
    { channel: 'risky', current: 100, response: logCurve(a1, b1), draws: scaled(logCurve(a1, b1), s1) },
    { channel: 'steady', current: 100, response: logCurve(a2, b2), draws: scaled(logCurve(a2, b2), s2) },
  ];
  it('λ = 1 maximizes Σ (1 − λ s_i)·a_i ln(1 + x/b_i): the log closed form with shrunk a_i', () => {
    // The sample sd of {−s, 0, s}·r is s·r, so the penalized curve is (1 − λs)·r.
    const A1 = a1 * (1 - lambda * s1);
    const A2 = a2 * (1 - lambda * s2);
    const x1 = (A1 * (b2 + B) - A2 * b1) / (A1 + A2);
    const plan = optimizeBudget(channels, { budget: B, uncertaintyPenalty: lambda });
    expect(Math.abs(plan.lines[0].recommended - x1)).toBeLessThanOrEqual(1e-6 * B);
    const unpenalized = optimizeBudget(channels, { budget: B });
    expect(unpenalized.lines[0].recommended).toBeGreaterThan(plan.lines[0].recommended + 10); // risk moves money to 'steady'
    expect(plan.objectiveValue).toBeCloseTo(A1 * Math.log(1 + x1 / b1) + A2 * Math.log(1 + (B - x1) / b2), 6);
  });
  it('P10 = (1 − 0.8s)·r and P90 = (1 + 0.8s)·r per channel (type-7 quantiles of 3 draws); total over joint draws', () => {
    const plan = optimizeBudget(channels, { budget: B });
    const [r1, r2] = plan.lines.map((l) => l.expectedAcv);
    const close = (got: number | null, want: number) => expect(Math.abs(got! - want)).toBeLessThanOrEqual(1e-9 * want);
    close(plan.lines[0].acvP10, (1 - 0.8 * s1) * r1);
    close(plan.lines[0].acvP90, (1 + 0.8 * s1) * r1);
    close(plan.lines[1].acvSd, s2 * r2);
    close(plan.acvP10, r1 + r2 - 0.8 * (s1 * r1 + s2 * r2));
    close(plan.acvP90, r1 + r2 + 0.8 * (s1 * r1 + s2 * r2));
  });
  it('without draws the intervals are null', () => {
    const plan = optimizeBudget([{ channel: 'x', current: 1, response: linear(1) }], { budget: 1 });
    expect(plan.lines[0]).toMatchObject({ acvP10: null, acvP90: null, acvSd: null });
    expect(plan.acvP10).toBeNull();
  });
  it('a locked channel needs no draws under a penalty (its spend is fixed; same allocation as without it, to 1e-6 of the budget)', () => {
    const withLocked = optimizeBudget(
      [...channels, { channel: 'fixed', current: 30, response: linear(2), guardrails: { locked: true } }],
      { budget: B + 30, uncertaintyPenalty: lambda },
    );
    const without = optimizeBudget(channels, { budget: B, uncertaintyPenalty: lambda });
    expect(Math.abs(withLocked.lines[0].recommended - without.lines[0].recommended)).toBeLessThanOrEqual(1e-6 * B);
    expect(withLocked.lines[2]).toMatchObject({ recommended: 30, binding: 'locked', acvSd: null });
  });
  it('refuses a penalty when an unlocked channel has no draws to measure it', () => {
    expect(() =>
      optimizeBudget([...channels, { channel: 'blind', current: 1, response: linear(1) }], { budget: B, uncertaintyPenalty: 1 }),
    ).toThrow(/at least 2 draws .*missing: blind/);
  });
});

describe("objective 'target-roi' (reference: brute force over every grid total; ROI compared exactly to 1e-9)", () => {
  // Hill curves: ROI of the best plan rises, peaks, then falls as the total grows.
  const channels: ChannelResponse[] = [
    { channel: 'a', current: 40, response: hill(400, 50, 2.5) },
    { channel: 'b', current: 40, response: hill(250, 35, 2) },
    { channel: 'c', current: 20, response: logCurve(60, 20), guardrails: { min: 5 } },
  ];
  const windows: [number, number][] = [[0, Infinity], [0, Infinity], [5, Infinity]];
  const budget = 200;
  const steps = 30;
  /** Best expected ACV at each grid total lower + k·h, by enumeration. */
  function roiByTotal(): { total: number; roi: number }[] {
    const h = (budget - 5) / steps;
    const out: { total: number; roi: number }[] = [];
    for (let K = 0; K <= steps; K++) {
      let best = -Infinity;
      for (let i = 0; i <= K; i++) {
        for (let j = 0; i + j <= K; j++) {
          const x = [i * h, j * h, 5 + (K - i - j) * h];
          best = Math.max(best, channels.reduce((s, c, n) => s + c.response(x[n]), 0));
        }
      }
      out.push({ total: 5 + K * h, roi: best / (5 + K * h) });
    }
    return out;
  }
  const table = roiByTotal();
  const peak = table.reduce((b, r) => (r.roi > b.roi ? r : b));

  it.each([1.5, 2, 2.5])('target %f: the largest total whose best ROI meets it', (target) => {
    const want = [...table].reverse().find((r) => r.roi >= target)!;
    const plan = optimizeBudget(channels, { budget, steps, objective: 'target-roi', targetRoi: target, refine: false });
    expect(plan.totalSpend).toBeCloseTo(want.total, 9);
    expect(plan.roi!).toBeCloseTo(want.roi, 9);
    expect(plan.lines.map((l) => l.lower)).toEqual(windows.map((w) => w[0]));
    const refined = optimizeBudget(channels, { budget, steps, objective: 'target-roi', targetRoi: target });
    expect(refined.totalSpend).toBeCloseTo(want.total, 9); // refinement moves money between channels, not the total
    expect(refined.roi!).toBeGreaterThanOrEqual(target);
  });

  it('a target above every total says the best achievable ROI, where, and what the minimum spend gives', () => {
    const target = Math.ceil(peak.roi) + 1;
    const run = () => optimizeBudget(channels, { budget, steps, objective: 'target-roi', targetRoi: target });
    expect(run).toThrow(InfeasibleBudgetError);
    let err: InfeasibleBudgetError | undefined;
    try {
      run();
    } catch (e) {
      err = e as InfeasibleBudgetError;
    }
    expect(err!.message).toContain(`the best achievable is ${peak.roi.toFixed(4)} at a total of $${(Math.round(peak.total * 100) / 100).toLocaleString('en-US')}`);
    expect(err!.message).toContain(`the minimum feasible spend $5 gives ${table[0].roi.toFixed(4)}`);
    expect(err!.conflicts[0]).toMatchObject({ kind: 'target_roi' });
    expect(err!.conflicts[0].amount).toBeCloseTo(target - peak.roi, 9);
  });
});

describe('infeasible guardrails: the error names the conflict and the gap', () => {
  const catchErr = (f: () => unknown): InfeasibleBudgetError => {
    try {
      f();
    } catch (e) {
      if (e instanceof InfeasibleBudgetError) return e;
      throw e;
    }
    throw new Error('expected InfeasibleBudgetError');
  };

  it('per-channel minimums above the total budget: $X above $Y by $Z, each channel and why', () => {
    const err = catchErr(() =>
      optimizeBudget(
        [
          { channel: 'paid_social', current: 40_000, response: linear(1), guardrails: { min: 30_000 } },
          { channel: 'event', current: 50_000, response: linear(1), guardrails: { locked: true } },
          { channel: 'display', current: 20_000, response: linear(1), guardrails: { maxChange: 0.25 } },
          { channel: 'content', current: 10_000, response: linear(1) },
        ],
        { budget: 90_000 },
      ),
    );
    expect(err.message).toBe(
      'the budget guardrails conflict: the per-channel minimums sum to $95,000, above the total budget $90,000 by $5,000: ' +
        'paid_social min $30,000, event locked at $50,000, display max-change floor $15,000 (current $20,000 − 25%)',
    );
    expect(err.conflicts).toEqual([
      { kind: 'minimums_above_budget', channels: ['paid_social', 'event', 'display'], amount: 5_000, message: expect.any(String) },
    ]);
  });

  it("per-channel maximums below a budget that must be spent in full (but 'at_most' is fine)", () => {
    const channels: ChannelResponse[] = [
      { channel: 'a', current: 100, response: linear(2), guardrails: { max: { timesCurrent: 1.1 } } },
      { channel: 'b', current: 100, response: linear(1), guardrails: { maxChange: 0.2 } },
    ];
    const err = catchErr(() => optimizeBudget(channels, { budget: 300 }));
    expect(err.message).toContain('the per-channel maximums sum to $230, below the total budget $300 by $70');
    expect(err.message).toContain('a max $110 (1.1× current $100), b max-change ceiling $120 (current $100 + 20%)');
    const p = optimizeBudget(channels, { budget: 300, totalMode: 'at_most' });
    expect(p.lines.map((l) => [l.recommended, l.binding])).toEqual([
      [110, 'max'],
      [120, 'max_change_up'],
    ]);
    expect(p.totalSpend).toBeCloseTo(230, 9);
  });

  it('per-channel conflicts are all listed: min over max, min over the change window, max under it, a lock outside its min', () => {
    const err = catchErr(() =>
      optimizeBudget(
        [
          { channel: 'a', current: 100, response: linear(1), guardrails: { min: 80, max: 60 } },
          { channel: 'b', current: 100, response: linear(1), guardrails: { min: 150, maxChange: 0.2 } },
          { channel: 'c', current: 100, response: linear(1), guardrails: { max: { timesCurrent: 0.5 }, maxChange: 0.1 } },
          { channel: 'd', current: 100, response: linear(1), guardrails: { locked: true, min: 125 } },
          { channel: 'ok', current: 100, response: linear(1) },
        ],
        { budget: 500 },
      ),
    );
    expect(err.message).toBe(
      'the budget guardrails conflict in 4 ways: a: min $80 is above its max $60 by $20; ' +
        'b: min $150 is above its max-change ceiling $120 (current $100 + 20%) by $30; ' +
        'c: max-change floor $90 (current $100 − 10%) is above its max $50 (0.5× current $100) by $40; ' +
        'd is locked at $100, below its min $125 by $25',
    );
    expect(err.conflicts.map((c) => [c.channels, c.amount])).toEqual([
      [['a'], 20],
      [['b'], 30],
      [['c'], 40],
      [['d'], 25],
    ]);
  });

  it('rejects malformed input with a RangeError, not a wrong plan', () => {
    const one = { channel: 'a', current: 1, response: linear(1) };
    expect(() => optimizeBudget([one, one], { budget: 1 })).toThrow(/listed twice/);
    expect(() => optimizeBudget([one], { budget: -1 })).toThrow(RangeError);
    expect(() => optimizeBudget([one], { budget: 1, objective: 'target-roi' })).toThrow(/targetRoi/);
    expect(() => optimizeBudget([{ ...one, response: () => NaN }], { budget: 1 })).toThrow(/not a finite number/);
    expect(() => optimizeBudget([{ ...one, guardrails: { min: { timesCurrent: -1 } } }], { budget: 1 })).toThrow(/min must resolve/);
  });
});

describe('scale', () => {
  it('10 channels, 1000 steps (the default) with 50 draws each and a penalty: under 3 s', () => {
    const channels: ChannelResponse[] = Array.from({ length: 10 }, (_, i) => ({
      channel: `c${i}`,
      current: 10_000 + 1000 * i,
      response: hill(50_000 + 5000 * i, 12_000 + 500 * i, 1 + (i % 4) * 0.5),
      draws: Array.from({ length: 50 }, (_, d) => hill((50_000 + 5000 * i) * (0.8 + (0.4 * d) / 49), 12_000 + 500 * i, 1 + (i % 4) * 0.5)),
      guardrails: { maxChange: 0.5 },
    }));
    const t0 = performance.now();
    const plan = optimizeBudget(channels, { budget: 150_000, uncertaintyPenalty: 0.5 });
    const ms = performance.now() - t0;
    console.log(`10 channels x 1000 steps x 50 draws: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(3000);
    expect(plan.totalSpend).toBeCloseTo(150_000, 6);
  });
});

describe('the documented example', () => {
  it('webinar capped by its +30% window, event locked, display takes the rest (to the dollar)', () => {
    const plan = optimizeBudget(
      [
        { channel: 'webinar', current: 40_000, response: hill(400_000, 50_000, 2), guardrails: { maxChange: 0.3 } },
        { channel: 'display', current: 60_000, response: hill(150_000, 30_000, 1) },
        { channel: 'event', current: 50_000, response: hill(300_000, 80_000, 1.5), guardrails: { locked: true } },
      ],
      { budget: 150_000 },
    );
    expect(plan.lines.map((l) => [l.channel, Math.round(l.recommended), l.binding])).toEqual([
      ['webinar', 52000, 'max_change_up'],
      ['display', 48000, 'total'],
      ['event', 50000, 'locked'],
    ]);
  });
});
