import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chiSquareSurvival, gammaQ, kaplanMeier, logGamma, logRankTest, survivalAt } from '../../models/survival';

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

/** A text column of a lifelines CSV (dd has quoted text with commas: parse it properly). */
function readTable(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const split = (line: string): string[] => {
    const out: string[] = [];
    let cur = '';
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) (out.push(cur), (cur = ''));
      else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const cols = split(header);
  return lines.map((l) => Object.fromEntries(split(l).map((v, i) => [cols[i], v])));
}

/**
 * Two-group log-rank statistic written plainly: one 2×2 table (group × died/survived)
 * per distinct event time, (Σ O₁ − E₁)² / Σ V₁ with the hypergeometric variance.
 */
function bruteForceLogRank2(times: number[], events: number[], inA: boolean[]): number {
  const eventTimes = [...new Set(times.filter((_, i) => events[i] === 1))].sort((a, b) => a - b);
  let oMinusE = 0;
  let variance = 0;
  for (const t of eventTimes) {
    const n = times.filter((x) => x >= t).length;
    const nA = times.filter((x, i) => x >= t && inA[i]).length;
    const d = times.filter((x, i) => x === t && events[i] === 1).length;
    const dA = times.filter((x, i) => x === t && events[i] === 1 && inA[i]).length;
    oMinusE += dA - (d * nA) / n;
    if (n > 1) variance += (d * (nA / n) * (1 - nA / n) * (n - d)) / (n - 1);
  }
  return (oMinusE * oMinusE) / variance;
}

describe('chi-square tail (regularised incomplete gamma)', () => {
  it.each([0.1, 1, 5, 20, 80])('df = 2: P(X > %f) = exp(−x/2) (closed form, rel tol 1e-12)', (x) => {
    expect(Math.abs(chiSquareSurvival(x, 2) / Math.exp(-x / 2) - 1)).toBeLessThan(1e-12);
  });
  it.each([0.5, 3, 12, 60])('df = 4: P(X > %f) = exp(−x/2)(1 + x/2) (closed form, rel tol 1e-12)', (x) => {
    expect(Math.abs(chiSquareSurvival(x, 4) / (Math.exp(-x / 2) * (1 + x / 2)) - 1)).toBeLessThan(1e-12);
  });
  it('df = 1 at the textbook critical values 3.841459 (0.05) and 6.634897 (0.01) (tol 1e-7)', () => {
    expect(Math.abs(chiSquareSurvival(3.841458820694124, 1) - 0.05)).toBeLessThan(1e-7);
    expect(Math.abs(chiSquareSurvival(6.634896601021214, 1) - 0.01)).toBeLessThan(1e-7);
    expect(Math.abs(chiSquareSurvival(11.070497693516351, 5) - 0.05)).toBeLessThan(1e-7);
  });
  it('log Γ at integers and one half: log((n − 1)!) and log √π (tol 1e-12)', () => {
    expect(Math.abs(logGamma(10) - Math.log(362880))).toBeLessThan(1e-12);
    expect(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI))).toBeLessThan(1e-12);
    expect(gammaQ(3, 0)).toBe(1);
  });
});

describe('logRankTest', () => {
  const base = '/work/shared/data/lifelines';
  it('waltons miR-137 vs control: 122.25, as lifelines documents (2 dp, tol 0.005); p < 0.005', () => {
    const rows = readTable(`${base}/waltons.csv`);
    const r = logRankTest(rows.map((x) => Number(x.T)), rows.map((x) => Number(x.E)), rows.map((x) => x.group));
    expect(Math.abs(r.statistic - 122.25)).toBeLessThan(0.005);
    expect(r.df).toBe(1);
    expect(r.p).toBeLessThan(0.005);
    expect(r.groups.map((g) => [g.group, g.n, g.observed])).toEqual([['control', 129, 122], ['miR-137', 34, 34]]);
  });
  it('dd by democracy: 260.47, as lifelines documents (tol 0.005), and equal to the plain 2×2-table computation (tol 1e-9)', () => {
    const rows = readTable(`${base}/dd.csv`);
    const t = rows.map((x) => Number(x.duration));
    const e = rows.map((x) => Number(x.observed));
    const g = rows.map((x) => x.democracy);
    const r = logRankTest(t, e, g);
    expect(Math.abs(r.statistic - 260.47)).toBeLessThan(0.005);
    expect(Math.abs(r.statistic - bruteForceLogRank2(t, e, g.map((x) => x === 'Democracy')))).toBeLessThan(1e-9);
    expect(r.p).toBeLessThan(1e-50);
    // Observed events per group are plain counts; expected events sum to the observed total.
    expect(r.groups.reduce((s, x) => s + x.expected, 0)).toBeCloseTo(r.groups.reduce((s, x) => s + x.observed, 0), 9);
  });
  it('k = 3: splitting group b into two identical copies b1, b2 leaves the statistic of a vs b unchanged, on 2 df (tol 1e-9)', () => {
    // Two copies of the data; in the first copy b is called b1, in the second b2. b1 and b2 then have the
    // same numbers at risk and deaths at every time, so they carry no contrast between them and the
    // 3-group quadratic form equals the 2-group statistic of the doubled data (a closed-form identity).
    const t = [2, 3, 3, 5, 7, 8, 9, 11, 12, 15];
    const e = [1, 1, 0, 1, 1, 0, 1, 1, 1, 0];
    const g = ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b'];
    const two = logRankTest([...t, ...t], [...e, ...e], [...g, ...g]);
    const split = [...g.map((x) => (x === 'b' ? 'b1' : x)), ...g.map((x) => (x === 'b' ? 'b2' : x))];
    const three = logRankTest([...t, ...t], [...e, ...e], split);
    expect(three.df).toBe(2);
    expect(Math.abs(three.statistic - two.statistic)).toBeLessThan(1e-9);
    expect(Math.abs(three.p - chiSquareSurvival(two.statistic, 2))).toBeLessThan(1e-12);
  });
});

describe('kaplanMeier confidence band: lifelines\' exponential Greenwood definition', () => {
  it('dd at t = 1: exp(−exp(log(−log S) ± z √(Σ d/(n(n−d))) / |log S|)) computed by hand (tol 1e-12)', () => {
    const rows = readTable('/work/shared/data/lifelines/dd.csv');
    const fit = kaplanMeier(rows.map((x) => Number(x.duration)), rows.map((x) => Number(x.observed)));
    const p = fit.points[0];
    const s = 1 - 503 / 1808;
    expect(p.events).toBe(503);
    const sd = Math.sqrt(503 / (1808 * (1808 - 503))) / Math.abs(Math.log(s));
    const z = 1.959963984540054;
    expect(Math.abs(p.lower - Math.exp(-Math.exp(Math.log(-Math.log(s)) + z * sd)))).toBeLessThan(1e-12);
    expect(Math.abs(p.upper - Math.exp(-Math.exp(Math.log(-Math.log(s)) - z * sd)))).toBeLessThan(1e-12);
  });
});

describe('logRankTest with a group never at risk at an event time', () => {
  it('leaves that group out: the statistic and df equal the test without it (tolerance 1e-12)', () => {
    const times = [1, 2, 3, 4, 5, 6];
    const events = [1, 1, 0, 1, 1, 0];
    const groups = ['a', 'a', 'a', 'b', 'b', 'b'];
    const without = logRankTest(times, events, groups);
    // Group c: censored before the first event, so never at risk when anyone fails.
    const withC = logRankTest([0.5, 0.5, ...times], [0, 0, ...events], ['c', 'c', ...groups]);
    expect(withC.df).toBe(without.df);
    expect(Math.abs(withC.statistic - without.statistic)).toBeLessThan(1e-12);
  });

  it('refuses when fewer than two groups are ever at risk at an event', () => {
    expect(() => logRankTest([1, 2, 0.5], [1, 1, 0], ['a', 'a', 'c'])).toThrow(/fewer than two groups/);
  });
});
