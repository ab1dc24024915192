import { describe, expect, it } from 'vitest';
import { forecastScenarios, steadySpendForecast } from '../../../models/forecast';
import { fitMmm, isMmmUnavailable, mmmObservedInput, restoreMmm, storeMmm, type MmmInput } from '../../../models/mmm';
import { createRng } from '../../../models/random';

/** y = 50 + 20·spend-driven Hill effect + noise, 30 months, two channels: enough to fit with a small bootstrap. */
function world(): MmmInput {
  const rng = createRng(11);
  const months = Array.from({ length: 30 }, (_, i) => `${2024 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
  const a = months.map(() => 100 * Math.exp(rng.normal(0, 0.4)));
  const b = months.map(() => 50 * Math.exp(rng.normal(0, 0.5)));
  const outcome = a.map((x, t) => 50 + (20 * x) / (x + 100) + (8 * b[t]) / (b[t] + 60) + rng.normal(0, 1));
  return { months, outcome, spend: { a, b } };
}

describe('a stored media-mix fit', () => {
  const input = world();
  const fit = fitMmm(input, { bootstrap: 20, seed: 3, seasonality: 'none' });
  const restored = restoreMmm(JSON.parse(JSON.stringify(storeMmm(fit))));

  it('answers as the live fit after a JSON round trip: response means and every draw (exact)', () => {
    for (const c of ['a', 'b']) for (const spend of [0, 40, 120, 500]) expect(restored.response(c, spend)).toEqual(fit.response(c, spend));
  });

  it('gives back the series it was fitted on (tolerance 1e-9)', () => {
    const observed = mmmObservedInput(storeMmm(fit));
    expect(observed.months).toEqual(input.months);
    observed.outcome.forEach((y, i) => expect(Math.abs(y - input.outcome[i])).toBeLessThan(1e-9));
    expect(observed.spend).toEqual(input.spend);
  });

  it('tells a stored fit from the record of a missing one', () => {
    expect(isMmmUnavailable(storeMmm(fit))).toBe(false);
    expect(isMmmUnavailable({ kind: 'unavailable', reason: 'too short' })).toBe(true);
  });

  it('steadySpendForecast equals forecastScenarios on the same constant plans, and reports their monthly spend (exact)', () => {
    const plans = { as_is: { a: 100, b: 50 }, cut: { a: 0 } };
    const steady = steadySpendForecast(restored, plans, { horizons: [3, 12], seed: 5 });
    const direct = forecastScenarios(restored, {
      horizons: [3, 12],
      scenarios: { as_is: { spend: { a: Array(12).fill(100), b: Array(12).fill(50) } }, cut: { spend: { a: Array(12).fill(0), b: Array(12).fill(0) } } },
      seed: 5,
    });
    expect(steady.map(({ monthlySpend: _m, ...s }) => s)).toEqual(direct);
    expect(steady.map((s) => s.monthlySpend)).toEqual([150, 0]);
  });
});
