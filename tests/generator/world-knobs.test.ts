import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDrop } from '../../generator';
import { BASE_SEASONALITY, PAID_CHANNELS } from '../../generator/params';
import type { WorldKnobs } from '../../generator/world-knobs';
import { knobsOf } from '../../cli/commands/generate';
import { plantedMonthlyAcv, type PlantedCurve } from '../../bench/truth-measures';
import { readCsv } from './read-drop';

// Small worlds (300 accounts, 24 months): each knob is checked on what it plants, in well under a second per world.
const ACCOUNTS = 300;
const MONTHS = 24;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface WorldTruth {
  monthly: { months: string[]; spendUsd: Record<string, number[]> };
  channels: Record<string, { incrementalWonAcvUsd: number }>;
  world: { knobs: WorldKnobs & { on: string[] }; channels: Record<string, PlantedCurve & { causes: boolean; spendUsd: number; causedAcvUsd: number; roi: number }> };
}

async function world(knobs: WorldKnobs | undefined, seed = 4) {
  const dir = mkdtempSync(join(tmpdir(), 'acvloop-knobs-'));
  dirs.push(dir);
  await generateDrop({ outDir: dir, seed, accounts: ACCOUNTS, months: MONTHS, ...(knobs ? { world: knobs } : {}) });
  return { dir, truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as WorldTruth };
}

const DEMAND = Object.entries(PAID_CHANNELS).filter(([, p]) => p.role === 'demand').map(([c]) => c);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
function correlation(a: readonly number[], b: readonly number[]): number {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((x, i) => {
    ab += (x - ma) * (b[i] - mb);
    aa += (x - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  });
  return ab / Math.sqrt(aa * bb);
}
/** Median over demand-channel pairs of the correlation of their log spend (months with spend in both). */
function medianPairCorrelation(spend: Record<string, number[]>): number {
  const rs: number[] = [];
  for (let i = 0; i < DEMAND.length; i++) {
    for (let j = i + 1; j < DEMAND.length; j++) {
      const a = spend[DEMAND[i]];
      const b = spend[DEMAND[j]];
      const both = a.map((_, m) => m).filter((m) => a[m] > 0 && b[m] > 0);
      rs.push(correlation(both.map((m) => Math.log(a[m])), both.map((m) => Math.log(b[m]))));
    }
  }
  return median(rs);
}
/** Standard deviation of month-over-month log changes of a spend series (paused months left out). */
function logChangeSd(xs: readonly number[]): number {
  const d: number[] = [];
  for (let m = 1; m < xs.length; m++) if (xs[m] > 0 && xs[m - 1] > 0) d.push(Math.log(xs[m] / xs[m - 1]));
  const mean = d.reduce((s, x) => s + x, 0) / d.length;
  return Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (d.length - 1));
}

describe('world knobs: off by default, each plants what it says, recorded in truth.json', () => {
  it('an empty knob set writes the same drop as none; only truth.json gains "world"', async () => {
    const plain = await world(undefined);
    const empty = await world({});
    for (const f of readdirSync(plain.dir).filter((n) => n.endsWith('.csv'))) {
      expect(readFileSync(join(empty.dir, f)), f).toEqual(readFileSync(join(plain.dir, f)));
    }
    expect(plain.truth.world).toBeUndefined();
    expect(empty.truth.world.knobs.on).toEqual([]);
  });

  it("the planted response curve in truth.json gives each channel's target ROI at its budget, and what it caused matches channels", async () => {
    const { truth } = await world({});
    for (const [c, p] of Object.entries(PAID_CHANNELS)) {
      const budget = p!.budgetPer1k * (ACCOUNTS / 1000);
      expect(plantedMonthlyAcv(truth.world.channels[c], budget) / budget, c).toBeCloseTo(p!.targetRoi, 3);
      expect(truth.world.channels[c].causedAcvUsd).toBe(truth.channels[c].incrementalWonAcvUsd);
    }
  });

  it('sharedBudget: demand channels\' spend moves together (median pair correlation > 0.9; plain < 0.5)', async () => {
    expect(medianPairCorrelation((await world({ sharedBudget: true })).truth.monthly.spendUsd)).toBeGreaterThan(0.9);
    expect(medianPairCorrelation((await world(undefined)).truth.monthly.spendUsd)).toBeLessThan(0.5);
  });

  it('demandFollowing: spend correlates with baseline seasonality (> 0.6 for every demand channel)', async () => {
    const { truth } = await world({ demandFollowing: true, lowVariation: true });
    const season = truth.monthly.months.map((m) => BASE_SEASONALITY[Number(m.slice(5, 7)) - 1]);
    for (const c of DEMAND) expect(correlation(truth.monthly.spendUsd[c], season), c).toBeGreaterThan(0.6);
    const plain = await world({ lowVariation: true });
    expect(median(DEMAND.map((c) => correlation(plain.truth.monthly.spendUsd[c], season)))).toBeLessThan(0.4);
  });

  it('longCarryover and saturated change the planted curve: decay >= 0.85; doubling spend adds < 15% (plain: > 25% for the median channel)', async () => {
    const { truth } = await world({ longCarryover: true, saturated: true });
    const plain = await world(undefined);
    const gainOfDoubling = (t: WorldTruth, c: string) => {
      const budget = PAID_CHANNELS[c as keyof typeof PAID_CHANNELS]!.budgetPer1k * (ACCOUNTS / 1000);
      return plantedMonthlyAcv(t.world.channels[c], 2 * budget) / plantedMonthlyAcv(t.world.channels[c], budget) - 1;
    };
    for (const c of DEMAND) {
      expect(truth.world.channels[c].adstockDecay, c).toBeGreaterThanOrEqual(0.85);
      expect(gainOfDoubling(truth, c), c).toBeLessThan(0.15);
    }
    // plain: world(undefined) has no "world" section; its knob-free twin does.
    const twin = await world({});
    expect(plain.truth.monthly.spendUsd).toEqual(twin.truth.monthly.spendUsd);
    expect(median(DEMAND.map((c) => gainOfDoubling(twin.truth, c)))).toBeGreaterThan(0.25);
  });

  it('lowVariation: month-over-month log spend changes have sd < 0.12 in every demand channel (plain: > 0.2 in most)', async () => {
    const { truth } = await world({ lowVariation: true });
    for (const c of DEMAND) expect(logChangeSd(truth.monthly.spendUsd[c]), c).toBeLessThan(0.12);
    const plain = await world(undefined);
    expect(median(DEMAND.map((c) => logChangeSd(plain.truth.monthly.spendUsd[c])))).toBeGreaterThan(0.2);
  });

  it('harvestLastTouch: no lead source is a demand channel, and most of the cause\'s touches go unrecorded', async () => {
    const leadSources = (dir: string) => readCsv(dir, 'opportunities.csv').map((o) => o.lead_source).filter((s) => DEMAND.includes(s));
    const hard = await world({ harvestLastTouch: true });
    expect(leadSources(hard.dir)).toEqual([]);
    expect(leadSources((await world(undefined)).dir).length).toBeGreaterThan(0);
    // The cause's own touches mostly go unrecorded: fewer demand-channel touches than the same seed's plain world.
    const demandTouches = (dir: string) => readCsv(dir, 'touchpoints.csv').filter((t) => DEMAND.includes(t.channel)).length;
    expect(demandTouches(hard.dir)).toBeLessThan(0.8 * demandTouches((await world(undefined)).dir));
  });

  it('nullChannel: the channel keeps its spend and touches, causes nothing, and truth.json says so', async () => {
    const { dir, truth } = await world({ nullChannel: 'webinar' });
    const w = truth.world.channels.webinar;
    expect([w.causes, w.betaOppsPerMonth, w.causedAcvUsd, w.roi]).toEqual([false, 0, 0, 0]);
    expect(w.spendUsd).toBeGreaterThan(0);
    expect(readCsv(dir, 'touchpoints.csv').some((t) => t.channel === 'webinar')).toBe(true);
    expect(truth.world.channels.event.causes).toBe(true);
    await expect(generateDrop({ outDir: join(dir, 'x'), seed: 1, accounts: 10, world: { nullChannel: 'paid_search' } })).rejects.toThrow(/paid demand channel/);
  });

  it('liftTests: experiments.csv tests exactly the chosen channels, in order', async () => {
    const { dir, truth } = await world({ liftTests: ['display', 'paid_search'] });
    expect(readCsv(dir, 'experiments.csv').map((e) => e.channel)).toEqual(['display', 'paid_search']);
    expect(truth.world.knobs.on).toEqual(['liftTests']);
  });

  it('acvloop generate flags map to knobs; no flag gives none (the drop the seed always gave)', () => {
    expect(knobsOf({})).toBeUndefined();
    expect(knobsOf({ sharedBudget: true, nullChannel: 'display', liftTests: 'event, display' }))
      .toEqual({ sharedBudget: true, nullChannel: 'display', liftTests: ['event', 'display'] });
  });
});
