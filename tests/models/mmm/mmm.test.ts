import { describe, expect, it } from 'vitest';
import { fitMmm, mmmResponse, predictMmm } from '../../../models/mmm';
import type { MmmInput } from '../../../models/mmm';
import { createRng } from '../../../models/random';

/** Independent reference of the designed world: adstock and Hill written out here, carry = mean of the first 3 months. */
function channelEffect(spend: number[], decay: number, k: number, alpha: number, beta: number,
  carry = (spend[0] + spend[1] + spend[2]) / 3): number[] {
  let a = carry / (1 - decay);
  return spend.map((x) => {
    a = x + decay * a;
    return (beta * a ** alpha) / (a ** alpha + k ** alpha);
  });
}

const months = Array.from({ length: 36 }, (_, i) => `${2023 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
const TRUE = {
  tv: { decay: 0.5, level: 100, h: 1, alpha: 1, beta: 40, value: 2 },
  web: { decay: 0.2, level: 50, h: 1, alpha: 1, beta: 15, value: 3 },
};
const SEASON = [0, 2, 4, 3, 1, -2, -6, -8, -3, 2, 5, 4];

function designedWorld(seed: number, noiseSd: number) {
  const rng = createRng(seed);
  const spend: Record<string, number[]> = {};
  const effect: Record<string, number[]> = {};
  const zeroEffect: Record<string, number[]> = {};
  const halfSat: Record<string, number> = {};
  for (const [c, t] of Object.entries(TRUE)) {
    const s = months.map(() => t.level * Math.exp(rng.normal(0, 0.5)));
    s[10 + (c === 'tv' ? 0 : 7)] = 0;
    spend[c] = s;
    // Half-saturation at h × the steady adstock of the mean non-zero spend, the grid's own unit (mmm.ts).
    const positive = s.filter((v) => v > 0);
    const k = t.h * (positive.reduce((a, b) => a + b, 0) / positive.length / (1 - t.decay));
    halfSat[c] = k;
    effect[c] = channelEffect(s, t.decay, k, t.alpha, t.beta);
    // Counterfactual: window spend at zero, the pre-window carry stays (as the model defines it).
    const carry = (s[0] + s[1] + s[2]) / 3;
    let a = carry / (1 - t.decay);
    zeroEffect[c] = s.map(() => {
      a = t.decay * a;
      return (t.beta * a ** t.alpha) / (a ** t.alpha + k ** t.alpha);
    });
  }
  const outcome = months.map((_, i) => 100 + 0.5 * i + SEASON[i % 12] + effect.tv[i] + effect.web[i] + rng.normal(0, noiseSd));
  const input: MmmInput = { months, outcome, spend, unitValue: { tv: TRUE.tv.value, web: TRUE.web.value }, baselineUnitValue: 1 };
  const truthAcv = Object.fromEntries(Object.keys(TRUE).map((c) => [
    c,
    TRUE[c as keyof typeof TRUE].value * effect[c].reduce((s, e, i) => s + e - zeroEffect[c][i], 0),
  ]));
  return { input, truthAcv, halfSat };
}

// The grid contains the true transform; a tiny ridge so that the noise-free fit is not shrunk.
const GRID = { decays: [0, 0.2, 0.5, 0.8], halfSaturations: [0.5, 1, 2], shapes: [1, 2], ridge: 1e-6, seasonRidge: 1e-6 };

describe('fitMmm on a designed world (known adstock, Hill and coefficients)', () => {
  it('noise-free: recovers each channel transform and its incremental ACV within 0.5%', () => {
    const { input, truthAcv } = designedWorld(1, 0);
    const fit = fitMmm(input, { ...GRID, bootstrap: 0 });
    for (const r of fit.results) {
      expect(r.transform.decay).toBe(TRUE[r.channel as keyof typeof TRUE].decay);
      expect(Math.abs(r.incrementalAcv / truthAcv[r.channel] - 1)).toBeLessThan(0.005);
      expect(Math.abs(r.roi - truthAcv[r.channel] / r.spend)).toBeLessThan(0.005 * r.roi);
    }
  });

  it('noise-free: the response curve and mROI match the closed form within 0.5%', () => {
    const { input, halfSat } = designedWorld(1, 0);
    const fit = fitMmm(input, { ...GRID, bootstrap: 0 });
    const t = TRUE.tv;
    const k = halfSat.tv;
    const steady = 80 / (1 - t.decay);
    const want = (t.beta * steady) / (steady + k) * t.value;
    expect(Math.abs(fit.response('tv', 80).mean / want - 1)).toBeLessThan(0.005);
    expect(mmmResponse(JSON.parse(JSON.stringify(fit)), 'tv', 80).mean).toBe(fit.response('tv', 80).mean);
    // mROI by finite difference of the reference world: +1% spend in every window month.
    const tv = fit.results.find((r) => r.channel === 'tv')!;
    const base = channelEffect(input.spend.tv as number[], t.decay, k, t.alpha, t.beta);
    const tvSpend = input.spend.tv as number[];
    const carry = (tvSpend[0] + tvSpend[1] + tvSpend[2]) / 3; // the months before the window keep their spend
    const more = channelEffect(tvSpend.map((x) => x * 1.01), t.decay, k, t.alpha, t.beta, carry);
    const mroi = (t.value * more.reduce((s, e, i) => s + e - base[i], 0)) / (0.01 * tv.spend);
    expect(Math.abs(tv.mroi / mroi - 1)).toBeLessThan(0.005);
    expect(tv.mroi).toBeLessThan(tv.roi); // concave Hill: the marginal dollar returns less than the average
  });

  it('predictMmm continues adstock from the window: with no future spend the effect decays by d each month (tolerance 1e-9)', () => {
    const { input } = designedWorld(1, 0);
    const fit = fitMmm(input, { ...GRID, bootstrap: 0 });
    const p = predictMmm(fit, { spend: {} }, 3);
    expect(p.months).toEqual(['2026-01', '2026-02', '2026-03']);
    const t = fit.transforms.tv;
    const a1 = fit.lastAdstock.tv * t.decay;
    const want = fit.coef.channel.tv * (a1 ** t.shape / (a1 ** t.shape + t.halfSaturation ** t.shape));
    expect(Math.abs(p.channelUnits.tv[0] - want)).toBeLessThan(1e-9);
  });
});

describe('experiments calibrate the channel (closed form on a one-channel design)', () => {
  // y_t = μ + β x_t + ε with x the fixed transform of one channel; no trend, no seasonality.
  const rng = createRng(9);
  const n = 24;
  const m = months.slice(0, n);
  const spend = m.map(() => 100 * Math.exp(rng.normal(0, 0.4)));
  const transform = { decay: 0.3, halfSaturation: 150, shape: 1 };
  const x = channelEffect(spend, transform.decay, transform.halfSaturation, 1, 1);
  const outcome = x.map((xi) => 50 + 20 * xi + rng.normal(0, 2));
  const input: MmmInput = { months: m, outcome, spend: { ch: spend }, unitValue: { ch: 10 } };
  const opts = { trend: false, seasonality: 'none' as const, ridge: 0, fixedTransforms: { ch: transform }, bootstrap: 0 };
  // The experiment's row: valued lift over months 6..8 of switching the spend off there.
  const held = channelEffect(spend.map((s, i) => (i >= 6 && i <= 8 ? 0 : s)), transform.decay, transform.halfSaturation, 1, 1);
  let r = 0;
  for (let i = 6; i <= 8; i++) r += 10 * (x[i] - held[i]);

  /** Weighted least squares by hand: rows (1, x_t) and the pseudo-row (0, r) with weight σ²/se². */
  function closedForm(target: number, se: number): number {
    const mx = x.reduce((s, v) => s + v, 0) / n;
    const my = outcome.reduce((s, v) => s + v, 0) / n;
    let sxx = 0;
    let sxy = 0;
    x.forEach((v, i) => {
      sxx += (v - mx) ** 2;
      sxy += (v - mx) * (outcome[i] - my);
    });
    const b = sxy / sxx;
    const sse = x.reduce((s, v, i) => s + (outcome[i] - (my - b * mx) - b * v) ** 2, 0);
    const w = sse / (n - 2) / (se * se);
    // Normal equations [[n, Σx], [Σx, Σx² + w r²]] (μ, β) = (Σy, Σxy + w r T).
    const sx = x.reduce((s, v) => s + v, 0);
    const sx2 = x.reduce((s, v) => s + v * v, 0) + w * r * r;
    const sy = outcome.reduce((s, v) => s + v, 0);
    const sxy2 = x.reduce((s, v, i) => s + v * outcome[i], 0) + w * r * target;
    return (n * sxy2 - sx * sy) / (n * sx2 - sx * sx);
  }
  const exp = (T: number, se: number) => [{ channel: 'ch', start: m[6], end: m[8], incremental_acv: T, stderr: se }];

  it.each([
    { T: 200, se: 50 },
    { T: 900, se: 100 },
    { T: 300, se: 5 },
  ])('β equals the hand WLS solution (experiment $T ± $se; relative tolerance 1e-6)', ({ T, se }) => {
    const fit = fitMmm(input, { ...opts, experiments: exp(T, se) });
    expect(Math.abs(fit.coef.channel.ch / closedForm(T, se) - 1)).toBeLessThan(1e-6);
  });
  it('a precise experiment (stderr 0.01) pulls the lift over its months to its value within 0.1%', () => {
    const fit = fitMmm(input, { ...opts, experiments: exp(900, 0.01) });
    expect(Math.abs((fit.coef.channel.ch * r) / 900 - 1)).toBeLessThan(0.001);
    const free = fitMmm(input, opts);
    expect(Math.abs((free.coef.channel.ch * r) / 900 - 1)).toBeGreaterThan(0.2); // without it the data say otherwise
  });
});
