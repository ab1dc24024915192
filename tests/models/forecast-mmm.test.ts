import { describe, expect, it } from 'vitest';
import { backtestMmmForecast, forecastScenarios } from '../../models/forecast';
import { fitMmm } from '../../models/mmm';
import type { MmmInput } from '../../models/mmm';
import { createRng } from '../../models/random';

const months = (n: number) => Array.from({ length: n }, (_, i) => `${2024 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);

describe('backtestMmmForecast', () => {
  it('MAPE by hand on a tiny case: a flat outcome forecasts 100, actuals 80 and 125 give (0.25 + 0.2) / 2 (tolerance 1e-9)', () => {
    const input: MmmInput = {
      months: months(8),
      outcome: [100, 100, 100, 100, 100, 100, 80, 125],
      spend: { ch: [10, 30, 20, 40, 10, 30, 20, 40] },
    };
    const bt = backtestMmmForecast(input, { minTrain: 6, horizon: 2, fit: { trend: false, seasonality: 'none', bootstrap: 0 } });
    expect(bt.origins).toHaveLength(1);
    expect(bt.origins[0].points.map((p) => p.forecast).every((f) => Math.abs(f - 100) < 1e-9)).toBe(true);
    expect(Math.abs(bt.mape! - 0.225)).toBeLessThan(1e-9);
    // A perfect in-sample fit leaves no residual noise: the intervals are the point, and neither actual is in them.
    expect(bt.coverage80).toBe(0);
  });
});

describe('forecastScenarios on a simulated series with a known process', () => {
  // y_t = 60 + 0.3·t + 30·Hill(adstock(spend); k 150, decay 0.3) + N(0, 4²).
  function simulate(seed: number, n: number) {
    const rng = createRng(seed);
    const spend = Array.from({ length: n }, () => 100 * Math.exp(rng.normal(0, 0.4)));
    let a = 100;
    const effect = spend.map((x) => {
      a = x + 0.3 * a;
      return (30 * a) / (a + 150);
    });
    const y = effect.map((e, t) => 60 + 0.3 * t + e + rng.normal(0, 4));
    return { spend, y };
  }

  it('80% and 95% intervals of the next 12 months cover simulated actuals near nominal over 40 worlds (80%: 0.65–0.93, 95%: 0.85–1)', () => {
    let in80 = 0;
    let in95 = 0;
    let total = 0;
    for (let s = 0; s < 40; s++) {
      const { spend, y } = simulate(s, 48);
      const input: MmmInput = { months: months(36), outcome: y.slice(0, 36), spend: { ch: spend.slice(0, 36) } };
      const fit = fitMmm(input, { seasonality: 'none', decays: [0, 0.3, 0.6], shapes: [1], bootstrap: 40, seed: s });
      const [f] = forecastScenarios(fit, { horizons: [12], scenarios: { actual: { spend: { ch: spend.slice(36) } } }, seed: s });
      f.path.forEach((iv, h) => {
        const actual = y[36 + h];
        total++;
        if (actual >= iv.lower80 && actual <= iv.upper80) in80++;
        if (actual >= iv.lower95 && actual <= iv.upper95) in95++;
      });
    }
    expect(in80 / total).toBeGreaterThanOrEqual(0.65);
    expect(in80 / total).toBeLessThanOrEqual(0.93);
    expect(in95 / total).toBeGreaterThanOrEqual(0.85);
  });

  it('totals are the sums of the monthly points, and more spend forecasts more ACV', () => {
    const { spend, y } = simulate(1, 36);
    const fit = fitMmm({ months: months(36), outcome: y, spend: { ch: spend } }, { seasonality: 'none', bootstrap: 30 });
    const [asIs, more] = forecastScenarios(fit, {
      scenarios: { as_is: { spend: { ch: Array(12).fill(100) } }, double: { spend: { ch: Array(12).fill(200) } } },
    });
    const t6 = asIs.totals.find((t) => t.horizon === 6)!.total;
    expect(Math.abs(t6.point - asIs.path.slice(0, 6).reduce((s, p) => s + p.point, 0))).toBeLessThan(1e-9);
    expect(t6.lower95).toBeLessThanOrEqual(t6.lower80);
    expect(t6.upper80).toBeLessThanOrEqual(t6.upper95);
    expect(fit.coef.channel.ch).toBeGreaterThan(0);
    expect(more.totals[2].total.point).toBeGreaterThan(asIs.totals[2].total.point);
  });
});
