/**
 * The lift-test planner against references computed here by hand: the
 * minimum detectable effect's closed form (and a simulated power check of
 * it), the ranking on a planted case whose answer is known, and the expected
 * interval against precision weighting.
 */
import { describe, expect, it } from 'vitest';
import {
  expectedInterval, minimumDetectableEffect, planLiftTests, type LiftTestChannel, type LiftTestPlanInput,
} from '../../models/experiment-plan';
import { createRng } from '../../models/random';

// Standard normal quantiles from a printed table (Abramowitz & Stegun 26.2), not from the module.
const Z_TWO_SIDED_5 = 1.959964;
const Z_POWER_80 = 0.841621;
const Z_80_INTERVAL = 1.281552;

const channel = (over: Partial<LiftTestChannel> & { channel: string }): LiftTestChannel => ({
  monthlySpend: 50_000, roi: 1, roiLow: 0.5, roiHigh: 1.5, acvPerUnit: 10_000, offlineShare: 1, identified: null, ...over,
});
const world = (channels: LiftTestChannel[], over: Partial<LiftTestPlanInput> = {}): LiftTestPlanInput => ({
  channels, residualSd: 10, accounts: 2000, regions: [{ region: 'NA', accounts: 1000 }, { region: 'EMEA', accounts: 560 }, { region: 'APAC', accounts: 300 }, { region: 'LATAM', accounts: 100 }],
  ...over,
});

describe('minimum detectable lift', () => {
  it.each([
    { sigma: 10, nt: 50, nc: 50 },
    { sigma: 3.5, nt: 900, nc: 100 },
    { sigma: 1, nt: 1, nc: 1 },
  ])('is (z_0.975 + z_0.8) · σ · √(1/n_t + 1/n_c) for σ=$sigma, n_t=$nt, n_c=$nc', ({ sigma, nt, nc }) => {
    const byHand = (Z_TWO_SIDED_5 + Z_POWER_80) * sigma * Math.sqrt(1 / nt + 1 / nc);
    expect(minimumDetectableEffect(sigma, nt, nc)).toBeCloseTo(byHand, 4);
  });

  it('is what a two-sided 5% test detects 80% of the time (simulated)', () => {
    const sigma = 2;
    const nt = 40;
    const nc = 60;
    const mde = minimumDetectableEffect(sigma, nt, nc);
    const se = sigma * Math.sqrt(1 / nt + 1 / nc);
    const rng = createRng(11);
    let detected = 0;
    const trials = 20_000;
    for (let k = 0; k < trials; k++) if (Math.abs(mde + rng.normal(0, se)) / se > Z_TWO_SIDED_5) detected++;
    expect(detected / trials).toBeGreaterThan(0.79);
    expect(detected / trials).toBeLessThan(0.81);
  });

  it('of an account holdout is the per-account-month MDE scaled to every account over the test', () => {
    const c = channel({ channel: 'event', offlineShare: 0.9 });
    const [t] = planLiftTests(world([c])).tests;
    expect(t.design).toBe('account_holdout');
    const { holdoutShare: h, months: m } = t;
    const n = 2000;
    const sigmaAccountMonth = (10 * 10_000) / Math.sqrt(n);
    const perAccountMonth = (Z_TWO_SIDED_5 + Z_POWER_80) * sigmaAccountMonth * Math.sqrt(1 / (n * (1 - h) * m) + 1 / (n * h * m));
    expect(t.minimumDetectableLift).toBeCloseTo(perAccountMonth * n * m, -1);
    expect(t.minimumDetectableRoi).toBeCloseTo((perAccountMonth * n * m) / (50_000 * m), 4);
  });

  it('of flighting counts months on and off', () => {
    const c = channel({ channel: 'display', offlineShare: 0.1, roi: 3, roiLow: 1, roiHigh: 5 });
    const [t] = planLiftTests(world([c], { regions: [] })).tests;
    expect(t.design).toBe('flighting');
    const on = Math.ceil(t.months / 2);
    const off = t.months - on;
    const perMonth = (Z_TWO_SIDED_5 + Z_POWER_80) * 10 * 10_000 * Math.sqrt(1 / on + 1 / off);
    expect(t.minimumDetectableLift).toBeCloseTo(perMonth * on, -1);
    expect(t.holdoutShare).toBeCloseTo(off / t.months, 12);
  });

  it('chooses the cheapest holdout (share × months) that detects the estimated ROI, else the most powerful', () => {
    const mdeRoi = (h: number, m: number) => ((Z_TWO_SIDED_5 + Z_POWER_80) * 10 * 10_000 * Math.sqrt(m) * Math.sqrt(1 / h + 1 / (1 - h))) / (50_000 * m);
    for (const roi of [0.8, 1.5, 3, 10]) {
      const [t] = planLiftTests(world([channel({ channel: 'event', roi, roiLow: roi / 2, roiHigh: roi * 1.5 })])).tests;
      const grid = [0.1, 0.2, 0.3, 0.4, 0.5].flatMap((h) => [2, 3, 4, 5, 6].map((m) => ({ h, m, cost: h * m, ok: mdeRoi(h, m) <= roi })));
      const cheapest = Math.min(...grid.filter((g) => g.ok).map((g) => g.cost));
      if (Number.isFinite(cheapest)) {
        expect(t.detectsEstimate).toBe(true);
        expect(t.holdoutShare * t.months).toBeCloseTo(cheapest, 12);
        expect(mdeRoi(t.holdoutShare, t.months)).toBeLessThanOrEqual(roi);
      } else {
        expect(t.detectsEstimate).toBe(false);
        expect([t.holdoutShare, t.months]).toEqual([0.5, 6]);
      }
    }
    // The sweep covered both branches.
    expect(planLiftTests(world([channel({ channel: 'e', roi: 0.8, roiLow: 0.4, roiHigh: 1.2 })])).tests[0].detectsEstimate).toBe(false);
    expect(planLiftTests(world([channel({ channel: 'e', roi: 10, roiLow: 5, roiHigh: 15 })])).tests[0].detectsEstimate).toBe(true);
  });
});

describe('design', () => {
  it('holds out accounts for offline channels, regions for online media when accounts carry regions, else flights', () => {
    const plan = planLiftTests(world([
      channel({ channel: 'event', offlineShare: 0.95 }),
      channel({ channel: 'paid_search', offlineShare: 0 }),
    ]));
    const by = Object.fromEntries(plan.tests.map((t) => [t.channel, t]));
    expect(by.event.design).toBe('account_holdout');
    expect(by.paid_search.design).toBe('region_holdout');
    const regionShare = by.paid_search.heldOutRegions.reduce((s, r) => s + ({ NA: 1000, EMEA: 560, APAC: 300, LATAM: 100 } as Record<string, number>)[r], 0) / 2000;
    expect(by.paid_search.holdoutShare).toBeCloseTo(regionShare, 12);
    expect(regionShare).toBeLessThanOrEqual(0.5);
    expect(planLiftTests(world([channel({ channel: 'paid_search', offlineShare: 0 })], { regions: [] })).tests[0].design).toBe('flighting');
    // One region with 90% of the accounts cannot be held out by region.
    expect(planLiftTests(world([channel({ channel: 'paid_search', offlineShare: 0 })], { regions: [{ region: 'NA', accounts: 1800 }] })).tests[0].design).toBe('flighting');
  });
});

describe('ranking by value of information', () => {
  // Planted: the same ROI point everywhere; the truth of "most worth testing" is the ACV a year of spend may cause or not.
  const big = 200_000;
  const small = 10_000;
  const planted = [
    channel({ channel: 'small_wide', monthlySpend: small, roi: 2, roiLow: 0, roiHigh: 4 }),
    channel({ channel: 'big_narrow', monthlySpend: big, roi: 2, roiLow: 1.9, roiHigh: 2.1 }),
    channel({ channel: 'big_wide', monthlySpend: big, roi: 2, roiLow: 0, roiHigh: 4 }),
  ];

  it('puts a large budget with a wide interval before a small budget with a wide one and a large one with a narrow one', () => {
    const plan = planLiftTests(world(planted));
    expect(plan.tests.map((t) => t.channel)).toEqual(['big_wide', 'big_narrow', 'small_wide']);
    expect(plan.tests.map((t) => t.rank)).toEqual([1, 2, 3]);
    // Value = a year of spend × interval width, by hand.
    expect(plan.tests.map((t) => t.valueOfInformation)).toEqual([12 * big * 4, 12 * big * 0.2, 12 * small * 4].map((v) => expect.closeTo(v, 6)));
  });

  it('puts a channel the model cannot identify first, and leaves out channels with no spend', () => {
    const flagged = planted.map((c) => (c.channel === 'small_wide' ? { ...c, identified: false, identifiabilityReasons: ['spend moves with paid_search'] } : { ...c, identified: true }));
    const plan = planLiftTests(world([...flagged, channel({ channel: 'paused', monthlySpend: 0 })]));
    expect(plan.tests.map((t) => t.channel)).toEqual(['small_wide', 'big_wide', 'big_narrow']);
    expect(plan.tests[0].why).toContain('not identified');
    expect(plan.skipped.map((s) => s.channel)).toEqual(['paused']);
  });
});

describe('the interval expected after the test', () => {
  it('is the precision-weighted combination of the interval now and the test', () => {
    const now: [number, number] = [0.4, 2.0];
    const point = 1.2;
    const testSe = 0.5;
    const se0 = (now[1] - now[0]) / (2 * Z_80_INTERVAL);
    const seAfter = 1 / Math.sqrt(1 / se0 ** 2 + 1 / testSe ** 2);
    const [lo, hi] = expectedInterval(point, now, testSe);
    expect(hi - lo).toBeLessThan(now[1] - now[0]);
    expect((hi - lo) / (2 * Z_80_INTERVAL)).toBeCloseTo(seAfter, 5);
    expect([lo, hi]).toEqual([expect.closeTo(point - Z_80_INTERVAL * seAfter, 5), expect.closeTo(point + Z_80_INTERVAL * seAfter, 5)]);
  });

  it('keeps a skewed interval skewed around its point, each side shrunk by se_after / se_now', () => {
    const now: [number, number] = [0.9, 3.0];
    const [lo, hi] = expectedInterval(1.2, now, 0.3);
    const ratio = (hi - lo) / (now[1] - now[0]);
    expect((1.2 - lo) / (1.2 - now[0])).toBeCloseTo(ratio, 12);
    expect((hi - 1.2) / (now[1] - 1.2)).toBeCloseTo(ratio, 12);
    expect(ratio).toBeLessThan(1);
  });

  it('of every planned test is narrower than now and uses the test standard error the MDE implies', () => {
    const plan = planLiftTests(world([channel({ channel: 'event', roi: 2, roiLow: 0.5, roiHigh: 3.5 }), channel({ channel: 'paid_search', offlineShare: 0, roi: 1, roiLow: 0.2, roiHigh: 2.6 })]));
    for (const t of plan.tests) {
      expect(t.testStandardError).toBeCloseTo(t.minimumDetectableRoi / (Z_TWO_SIDED_5 + Z_POWER_80), 5);
      const se0 = (t.intervalNow[1] - t.intervalNow[0]) / (2 * Z_80_INTERVAL);
      const seAfter = (t.intervalExpected[1] - t.intervalExpected[0]) / (2 * Z_80_INTERVAL);
      expect(seAfter).toBeLessThan(se0);
      expect(1 / seAfter ** 2).toBeCloseTo(1 / se0 ** 2 + 1 / t.testStandardError ** 2, 2);
    }
  });
});
