import { describe, expect, it } from 'vitest';
import { rollingOriginBacktest, trailingMeanForecast } from '../../models/forecast';

const Z80 = 1.2815515655446004;
const Z95 = 1.959963984540054;
const TOL = 1e-9; // hand numbers below are exact in a few decimal operations

describe('trailingMeanForecast', () => {
  // window 2 over [5, 9, 4, 8, 6, 10]: residuals 4−7 = −3, 8−6.5 = 1.5, 6−6 = 0, 10−7 = 3
  // σ = √((9 + 2.25 + 0 + 9) / 4) = 2.25; point = (6 + 10) / 2 = 8
  const f = trailingMeanForecast([5, 9, 4, 8, 6, 10], { window: 2, horizons: [1, 3] });
  it('point and residual sd match the hand computation', () => {
    expect(f.point).toBe(8);
    expect(Math.abs(f.residualSd - 2.25)).toBeLessThan(TOL);
    expect(f.residualCount).toBe(4);
    expect(f.path).toHaveLength(3);
  });
  it.each([
    { h: 1, point: 8, sd: 2.25 },
    { h: 3, point: 24, sd: 2.25 * Math.sqrt(3) },
  ])('horizon $h: monthly and h-month total intervals are point ± z σ (√h for totals)', ({ h, point, sd }) => {
    const hf = f.horizons.find((x) => x.horizon === h)!;
    expect(hf.month.point).toBe(8);
    expect(Math.abs(hf.month.lower95 - (8 - Z95 * 2.25))).toBeLessThan(TOL);
    expect(Math.abs(hf.month.upper80 - (8 + Z80 * 2.25))).toBeLessThan(TOL);
    expect(hf.total.point).toBe(point);
    expect(Math.abs(hf.total.lower80 - (point - Z80 * sd))).toBeLessThan(TOL);
    expect(Math.abs(hf.total.upper95 - (point + Z95 * sd))).toBeLessThan(TOL);
  });
  it('clips lower bounds at 0 (ACV is never negative)', () => {
    const g = trailingMeanForecast([0, 0, 10, 0], { window: 2, horizons: [1] }); // σ = √((100 + 25) / 2)
    expect(g.point).toBe(5);
    expect(g.path[0].lower95).toBe(0);
    expect(Math.abs(g.path[0].upper95 - (5 + Z95 * Math.sqrt(62.5)))).toBeLessThan(TOL);
  });
  it('refuses a series too short for one residual', () => {
    expect(() => trailingMeanForecast([1, 2, 3], { window: 3 })).toThrow(/at least 4 months/);
  });
});

describe('rollingOriginBacktest', () => {
  // Hand computation, window 2, minTrain 4, horizon 2 over [10, 12, 11, 13, 12, 14, 13, 15]:
  // origin 4: point 12, σ = √(2.25/2); actuals 12, 14 -> errors 0, 2
  // origin 5: point 12.5, σ = √(2.25/3); actuals 14, 13 -> errors 1.5, 0.5
  // origin 6: point 13, σ = √(4.5/4); actuals 13, 15 -> errors 0, 2
  const bt = rollingOriginBacktest([10, 12, 11, 13, 12, 14, 13, 15], { minTrain: 4, horizon: 2, window: 2 });
  it.each([
    { origin: 4, forecast: 12, errors: [0, 2], in80: [true, false] },
    { origin: 5, forecast: 12.5, errors: [1.5, 0.5], in80: [false, true] },
    { origin: 6, forecast: 13, errors: [0, 2], in80: [true, false] },
  ])('origin $origin: forecast, errors and 80% coverage', ({ origin, forecast, errors, in80 }) => {
    const o = bt.origins.find((x) => x.origin === origin)!;
    expect(o.points.map((p) => p.forecast)).toEqual([forecast, forecast]);
    expect(o.points.map((p) => p.error)).toEqual(errors);
    expect(o.points.map((p) => p.in80)).toEqual(in80);
    expect(o.points.every((p) => p.in95)).toBe(true);
  });
  it('aggregates MAE, RMSE, MAPE and coverage over all scored points', () => {
    expect(bt.points).toBe(6);
    expect(Math.abs(bt.mae - 1)).toBeLessThan(TOL);
    expect(Math.abs(bt.rmse - Math.sqrt(1.75))).toBeLessThan(TOL);
    expect(Math.abs(bt.mape! - (0 + 2 / 14 + 1.5 / 14 + 0.5 / 13 + 0 + 2 / 15) / 6)).toBeLessThan(TOL);
    expect(bt.coverage80).toBe(0.5);
    expect(bt.coverage95).toBe(1);
  });
  it('rejects a minTrain too small for the window', () => {
    expect(() => rollingOriginBacktest([1, 2, 3, 4, 5], { minTrain: 2, horizon: 1, window: 2 })).toThrow(/minTrain/);
  });
});
