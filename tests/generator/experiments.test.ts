/**
 * The optional experiments.csv: lift tests whose values are the planted truth
 * of a spend holdout plus noise of their stated stderr, and a default drop
 * that does not change when the option is off.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDrop } from '../../generator';
import { channelTruth, demandModel, holdoutTruth, planSpend } from '../../generator/marketing';
import { Rng } from '../../generator/rng';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-exp-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('holdoutTruth', () => {
  it('holding a channel out over the whole window equals channelTruth\'s eventual incremental ACV (relative 1e-9)', () => {
    const months = 36;
    const demand = demandModel(planSpend(new Rng(3, 'spend'), 0, months, 2), 0, months, 2);
    for (const ch of demand.channels) {
      const whole = holdoutTruth(ch, 0, months - 1);
      const reference = channelTruth(demand, ch).incrementalWonAcvUsdEventual;
      expect(Math.abs(whole - reference)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(reference)));
    }
  });

  it('a harvest channel (no causal effect) has zero lift; a demand channel has positive lift', () => {
    const demand = demandModel(planSpend(new Rng(3, 'spend'), 0, 24, 2), 0, 24, 2);
    const search = demand.channels.find((c) => c.channel === 'paid_search')!;
    const event = demand.channels.find((c) => c.channel === 'event')!;
    expect(holdoutTruth(search, 10, 11)).toBe(0);
    expect(holdoutTruth(event, 10, 11)).toBeGreaterThan(0);
  });
});

describe('generateDrop({ experiments: true })', () => {
  it('writes lift tests within 4 stderr of their planted truth, on distinct paid channels, and leaves the other files as they were', async () => {
    const plain = tmp();
    const withTests = tmp();
    await generateDrop({ outDir: plain, seed: 11, accounts: 300, months: 30 });
    const summary = await generateDrop({ outDir: withTests, seed: 11, accounts: 300, months: 30, experiments: true });
    for (const f of fs.readdirSync(plain)) {
      if (f === 'truth.json') continue;
      expect(fs.readFileSync(path.join(withTests, f)).equals(fs.readFileSync(path.join(plain, f))), f).toBe(true);
    }
    const lines = fs.readFileSync(path.join(withTests, 'experiments.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('channel,start,end,incremental_acv,stderr');
    const truth = JSON.parse(fs.readFileSync(summary.truthFile, 'utf8')).experiments as { channel: string; start: string; end: string; incremental_acv: number; stderr: number; trueIncrementalAcv: number }[];
    expect(truth).toHaveLength(3);
    expect(lines).toHaveLength(truth.length + 1);
    expect(new Set(truth.map((t) => t.channel)).size).toBe(truth.length);
    truth.forEach((t, i) => {
      const [channel, start, end, acv, stderr] = lines[i + 1].split(',');
      expect([channel, start, end, Number(acv), Number(stderr)]).toEqual([t.channel, t.start, t.end, t.incremental_acv, t.stderr]);
      expect(t.stderr).toBeGreaterThan(0);
      expect(Math.abs(t.incremental_acv - t.trueIncrementalAcv)).toBeLessThanOrEqual(4 * t.stderr);
      expect(start <= end && end <= '2026-10').toBe(true);
    });
  });
});
