import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateDrop } from '../../../contracts';
import { generateDrop } from '../../../generator';
import { monthFromIndex, monthIndex } from '../../../lib/dates';
import { fitMmm } from '../../../models/mmm';
import { mmmSeries } from '../../../models/mmm-series';

/** Spearman's rank correlation written out here (no ties in these ROI vectors): 1 − 6Σd² / (n(n² − 1)). */
function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (x: readonly number[]) => {
    const r = new Array<number>(x.length);
    x.map((v, i) => [v, i]).sort((p, q) => p[0] - q[0]).forEach(([, i], k) => (r[i] = k));
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = a.length;
  const d2 = ra.reduce((s, r, i) => s + (r - rb[i]) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

describe('spearman (reference check: hand-computed cases, exact)', () => {
  it('identical order 1, reversed −1, one swap of 4 = 0.8', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    expect(spearman([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
  });
});

interface Truth {
  months: [string, string];
  channels: Record<string, { incrementalAcvPerDollar: number; spend: number }>;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function world(seed: number) {
  const dir = mkdtempSync(join(tmpdir(), `acvloop-mmm-truth-${seed}-`));
  dirs.push(dir);
  await generateDrop({ outDir: dir, seed });
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
  const v = await validateDrop(dir);
  expect(v.ok).toBe(true);
  return { truth, rows: v.rows };
}

/**
 * Last-touch credit per dollar: each won opportunity's ACV (closed before asOf,
 * the day after the window) goes to the channel of the account's last touch
 * before the opportunity's creation; / the channel's window spend.
 */
function lastTouchPerDollar(rows: Awaited<ReturnType<typeof world>>['rows'], asOf: string, channels: readonly string[]): Record<string, number> {
  const touches = new Map<string, { at: string; channel: string }[]>();
  for (const t of rows.touchpoints) {
    let l = touches.get(t.account_id);
    if (!l) touches.set(t.account_id, (l = []));
    l.push({ at: new Date(t.occurred_at).toISOString(), channel: t.channel });
  }
  const credit: Record<string, number> = Object.fromEntries(channels.map((c) => [c, 0]));
  const asOfMs = Date.parse(`${asOf}T00:00:00Z`);
  for (const o of rows.opportunities) {
    if (o.stage !== 'won' || o.closed_at === null || Date.parse(o.closed_at) >= asOfMs) continue;
    const created = new Date(o.created_at).toISOString();
    let last: { at: string; channel: string } | null = null;
    for (const t of touches.get(o.account_id) ?? []) if (t.at < created && (!last || t.at > last.at)) last = t;
    if (last && last.channel in credit) credit[last.channel] += o.amount_usd;
  }
  const spend: Record<string, number> = Object.fromEntries(channels.map((c) => [c, 0]));
  for (const s of rows.spend) if (s.channel in spend) spend[s.channel] += s.amount_usd;
  return Object.fromEntries(channels.map((c) => [c, credit[c] / spend[c]]));
}

// Default world (2000 accounts, 36 months to 2026-10), five seeds. Tolerance: the median over the seeds >= 0.6 and
// none below 0.4. One seed is not the bar: a world's 36 months of Poisson noise move a 7-channel ranking by a
// few swaps (seed 7 reaches 0.46 with the beliefs averaged, 0.86 with the conservative one alone, and the other
// way round on seed 42; see models/mmm.ts `touchPriors` and bench/README.md for the distribution on 33 worlds).
describe('fitMmm ranks channels by ROI like truth.json on generated worlds (median Spearman >= 0.6, none below 0.4)', () => {
  const rhos: number[] = [];
  it.each([42, 7, 2024, 1, 2])('seed %i', async (seed) => {
    const { truth, rows } = await world(seed);
    const asOf = `${monthFromIndex(monthIndex(truth.months[1]) + 1)}-01`;
    const series = mmmSeries(rows, { from: truth.months[0], to: truth.months[1] });
    const fit = fitMmm(series, { bootstrap: 5, seed: 1 });
    const channels = fit.results.map((r) => r.channel);
    expect(channels.sort()).toEqual(Object.keys(truth.channels).sort());
    const truthRoi = fit.results.map((r) => truth.channels[r.channel].incrementalAcvPerDollar);
    const rho = spearman(fit.results.map((r) => r.roi), truthRoi);
    rhos.push(rho);
    expect(rho).toBeGreaterThanOrEqual(0.4);
    // The harvest channel (truth 0) is never ranked above the best demand channel.
    const ps = fit.results.find((r) => r.channel === 'paid_search')!;
    expect(ps.roi).toBeLessThan(Math.max(...fit.results.map((r) => r.roi)));

    if (seed === 42) {
      // Last-touch credit alone must fail the same bar: harvest channels take the credit.
      const lt = lastTouchPerDollar(rows, asOf, channels);
      expect(spearman(channels.map((c) => lt[c]), channels.map((c) => truth.channels[c].incrementalAcvPerDollar))).toBeLessThan(0.6);
    }
  }, 60_000);

  it('the median over the seeds is at least 0.6', () => {
    expect(rhos).toHaveLength(5);
    expect([...rhos].sort((a, b) => a - b)[2]).toBeGreaterThanOrEqual(0.6);
  });
});
