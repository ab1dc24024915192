import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kaplanMeier, survivalAt } from '../../models/survival';

/** Columns of a small numeric CSV from the lifelines datasets. */
function readCsv(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const cols = header.split(',');
  // dd.csv has quoted fields with commas only in text columns we do not read:
  // take the numeric columns from the end of the line, where they live.
  return lines.map((line) => {
    const cells = line.split(',');
    const row: Record<string, string> = {};
    for (let i = 0; i < cols.length; i++) row[cols[cols.length - 1 - i]] = cells[cells.length - 1 - i];
    return row;
  });
}

/** Product-limit estimate straight from its definition, O(n × distinct times): the brute-force reference. */
function bruteForceKm(times: number[], events: number[]): Map<number, number> {
  const distinct = [...new Set(times)].sort((a, b) => a - b);
  const out = new Map<number, number>();
  for (const t of distinct) {
    let s = 1;
    for (const u of distinct) {
      if (u > t) break;
      const atRisk = times.filter((x) => x >= u).length;
      const deaths = times.filter((x, i) => x === u && events[i] === 1).length;
      s *= 1 - deaths / atRisk;
    }
    out.set(t, s);
  }
  return out;
}

describe('kaplanMeier on the 6-MP leukaemia remission data (Freireich 1963)', () => {
  // Published table (Klein & Moeschberger §4.2; R survfit(conf.type = "log-log")):
  // S(t) as exact fractions, Greenwood SE to 4 dp, log-log 95% CI to 3 dp.
  const times = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35];
  const events = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0];
  const fit = kaplanMeier(times, events);
  const table = [
    { time: 6, atRisk: 21, s: 18 / 21, se: 0.0764, lo: 0.62, hi: 0.952 },
    { time: 7, atRisk: 17, s: (18 / 21) * (16 / 17), se: 0.0869, lo: 0.563, hi: 0.923 },
    { time: 10, atRisk: 15, s: (18 / 21) * (16 / 17) * (14 / 15), se: 0.0963, lo: 0.503, hi: 0.889 },
    { time: 13, atRisk: 12, s: (18 / 21) * (16 / 17) * (14 / 15) * (11 / 12), se: 0.1068, lo: 0.432, hi: 0.849 },
    { time: 16, atRisk: 11, s: 0.627451, se: 0.1141, lo: 0.368, hi: 0.805 },
    { time: 22, atRisk: 7, s: 0.537815, se: 0.1282, lo: 0.268, hi: 0.747 },
    { time: 23, atRisk: 6, s: 0.448179, se: 0.1346, lo: 0.188, hi: 0.68 },
  ];
  it.each(table)('t = $time: S, Greenwood SE and log-log CI match the published table', (row) => {
    const p = fit.points.find((x) => x.time === row.time)!;
    expect(p.atRisk).toBe(row.atRisk);
    expect(Math.abs(p.survival - row.s)).toBeLessThan(5e-7); // fractions exact; 6-dp rows to rounding
    expect(Math.abs(Math.sqrt(p.variance) - row.se)).toBeLessThan(5e-5); // SE published to 4 dp
    expect(Math.abs(p.lower - row.lo)).toBeLessThan(5e-4); // CI published to 3 dp
    expect(Math.abs(p.upper - row.hi)).toBeLessThan(5e-4);
  });
  it('median survival is 23 weeks, and a censored-only time keeps S flat', () => {
    expect(fit.median).toBe(23);
    expect(survivalAt(fit, 9)).toBeCloseTo((18 / 21) * (16 / 17), 12);
    expect(fit.points.find((x) => x.time === 9)!.events).toBe(0);
  });
  it('plain CI is S ± 1.96 SE clipped to [0, 1]', () => {
    const plain = kaplanMeier(times, events, { ci: 'plain' });
    const p = plain.points[0];
    expect(p.lower).toBeCloseTo(p.survival - 1.959963984540054 * Math.sqrt(p.variance), 12);
    expect(p.upper).toBeCloseTo(Math.min(1, p.survival + 1.959963984540054 * Math.sqrt(p.variance)), 12);
  });
});

describe('kaplanMeier on lifelines datasets', () => {
  const base = '/work/shared/data/lifelines';
  it('dd (leader durations): median 4.0, as lifelines reports; curve equals the brute-force product limit', () => {
    const rows = readCsv(`${base}/dd.csv`);
    const t = rows.map((r) => Number(r.duration));
    const e = rows.map((r) => Number(r.observed));
    expect(t.every(Number.isFinite)).toBe(true);
    const fit = kaplanMeier(t, e);
    expect(fit.n).toBe(1808);
    expect(fit.median).toBe(4);
    const ref = bruteForceKm(t, e);
    for (const p of fit.points) expect(Math.abs(p.survival - ref.get(p.time)!)).toBeLessThan(1e-12);
  });
  it('waltons: curve equals the brute-force product limit; never-reached median is null when all are censored', () => {
    const rows = readCsv(`${base}/waltons.csv`);
    const t = rows.map((r) => Number(r.T));
    const e = rows.map((r) => Number(r.E));
    const fit = kaplanMeier(t, e);
    const ref = bruteForceKm(t, e);
    for (const p of fit.points) expect(Math.abs(p.survival - ref.get(p.time)!)).toBeLessThan(1e-12);
    expect(kaplanMeier(t, e.map(() => 0)).median).toBeNull();
  });
});
