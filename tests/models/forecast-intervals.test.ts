/**
 * Issue 12: `acvloop forecast RUN --scale 10` printed an expected $11,626,708
 * with an 80% interval of $9.38M–$11.15M: the estimate outside its own
 * interval. On the media-mix fit of a generated world, made as the retrain
 * stage makes it (same series, 200 bootstrap replicates), every plan from 0
 * to 20 times the as-is spend must read lo95 ≤ lo80 ≤ point ≤ hi80 ≤ hi95 for
 * every month and every total, and the point must still be the point fit's
 * prediction (what the backtest scores). Before the fix this world failed at
 * no spend: the point below the 80% interval in 2027-03 and in the 6- and
 * 12-month totals (e.g. $15.45M against $15.71M–$17.17M over 12 months).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDrop } from '../../contracts';
import { generateDrop } from '../../generator';
import { recentSpend } from '../../models/budget';
import { steadySpendForecast, type Interval } from '../../models/forecast';
import { fitMmm, predictMmm, type MmmFit } from '../../models/mmm';
import { mmmSeries } from '../../models/mmm-series';

const SCALES = Array.from({ length: 21 }, (_, i) => i);
const dir = mkdtempSync(join(tmpdir(), 'acvloop-forecast-intervals-'));
let fit: MmmFit;
let asIs: Record<string, number>;

beforeAll(async () => {
  await generateDrop({ outDir: dir, seed: 42, end: '2026-10' });
  const v = await validateDrop(dir);
  expect(v.ok).toBe(true);
  const asOf = '2026-11-01';
  const opportunities = v.rows.opportunities.filter((o) => o.created_at < asOf)
    .map((o) => (o.closed_at !== null && o.closed_at >= asOf ? { ...o, stage: 'open' as const, closed_at: null } : o));
  const spend = v.rows.spend.filter((s) => s.month <= '2026-10');
  fit = fitMmm(mmmSeries({ opportunities, touchpoints: v.rows.touchpoints.filter((t) => t.occurred_at < asOf), spend }, { to: '2026-10', lookbackDays: 180 }),
    { bootstrap: 200, seed: 7 });
  asIs = recentSpend(spend, '2026-10', 3);
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ordered = (iv: Interval) => iv.lower95 <= iv.lower80 && iv.lower80 <= iv.point && iv.point <= iv.upper80 && iv.upper80 <= iv.upper95;

describe('forecast intervals hold their own point, whatever the spend plan', () => {
  it('lo95 <= lo80 <= point <= hi80 <= hi95 for every month and total of every plan from 0 to 20 times the as-is spend', () => {
    const plans = Object.fromEntries(SCALES.map((k) => [`x${k}`, Object.fromEntries(Object.entries(asIs).map(([c, usd]) => [c, usd * k]))]));
    const broken: string[] = [];
    for (const s of steadySpendForecast(fit, plans, { horizons: [3, 6, 12], seed: 11 })) {
      s.path.forEach((m) => { if (!ordered(m)) broken.push(`${s.scenario} ${m.month}: ${m.lower95} ${m.lower80} ${m.point} ${m.upper80} ${m.upper95}`); });
      s.totals.forEach((t) => { if (!ordered(t.total)) broken.push(`${s.scenario} ${t.horizon} months: ${t.total.lower80} ${t.total.point} ${t.total.upper80}`); });
    }
    expect(broken).toEqual([]);
  });

  it('the point is the point fit\'s prediction (floored at 0), so the backtest scores the same number (tolerance 1e-6 USD)', () => {
    for (const k of [0, 1, 10]) {
      const plan = Object.fromEntries(fit.channels.map((c) => [c, (asIs[c] ?? 0) * k]));
      const [s] = steadySpendForecast(fit, { plan }, { horizons: [12], seed: 11 });
      const direct = predictMmm(fit, { spend: Object.fromEntries(fit.channels.map((c) => [c, Array(12).fill(plan[c])])) }, 12).acv;
      s.path.forEach((m, h) => expect(Math.abs(m.point - Math.max(0, direct[h]))).toBeLessThan(1e-6));
      expect(Math.abs(s.totals[0].total.point - Math.max(0, direct.reduce((a, b) => a + b, 0)))).toBeLessThan(1e-6);
    }
  });
});
