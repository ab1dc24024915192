import { experiments } from '../contracts/experiments';
import { monthFromIndex } from '../lib/dates';
import { CsvWriter } from './csv';
import { holdoutTruth } from './marketing';
import type { DemandModel } from './marketing';
import type { Channel } from './params';
import type { Rng } from './rng';

export interface LiftTest {
  channel: string;
  start: string;
  end: string;
  incremental_acv: number;
  stderr: number;
  trueIncrementalAcv: number;
}

/** Lift tests per drop, their length in months, and where they fall (months before the window end: their deals have time to close). */
const EXPERIMENTS = { count: 3, months: 2, earliest: 18, latest: 10 };

/**
 * experiments.csv: a few lift tests on distinct paid channels (a harvest one
 * may be among them and should measure about nothing). Each reports the
 * planted truth of holding the channel's spend out over its months
 * (`holdoutTruth`) plus normal noise of its stated stderr: 15% of the effect
 * plus 10% of the spend held out, so a test on a channel that causes nothing
 * still has an honest error bar.
 */
export async function writeExperiments(dir: string, rng: Rng, demand: DemandModel, A0: number, chosen?: readonly Channel[]): Promise<LiftTest[]> {
  const n = demand.months;
  const pool = demand.channels.filter((c) => c.spendUsd.some((x) => x > 0));
  const tests: LiftTest[] = [];
  // Knob liftTests: these channels in this order (one with no spend at all cannot be held out and is skipped).
  const queue = chosen?.length ? chosen.map((c) => pool.find((p) => p.channel === c)).filter((c) => c !== undefined) : null;
  const count = queue ? queue.length : EXPERIMENTS.count;
  while (tests.length < count && (queue ?? pool).length > 0 && n >= EXPERIMENTS.latest + EXPERIMENTS.months) {
    const ch = queue ? queue.shift()! : pool.splice(rng.int(0, pool.length - 1), 1)[0];
    // A test holds out spend that was planned: months where the channel was paused cannot be tested.
    let from = 0;
    let heldSpend = 0;
    for (let attempt = 0; attempt < 10 && heldSpend <= 0; attempt++) {
      from = Math.max(0, n - rng.int(EXPERIMENTS.latest, EXPERIMENTS.earliest) - EXPERIMENTS.months);
      heldSpend = 0;
      for (let m = from; m < Math.min(n, from + EXPERIMENTS.months); m++) heldSpend += ch.spendUsd[m];
    }
    if (heldSpend <= 0) continue;
    const to = Math.min(n - 1, from + EXPERIMENTS.months - 1);
    const truth = holdoutTruth(ch, from, to);
    const stderr = 0.15 * Math.abs(truth) + 0.1 * heldSpend;
    tests.push({
      channel: ch.channel, start: monthFromIndex(A0 + from), end: monthFromIndex(A0 + to),
      incremental_acv: Math.round((truth + rng.normal(0, stderr)) * 100) / 100, stderr: Math.round(stderr * 100) / 100,
      trueIncrementalAcv: Math.round(truth * 100) / 100,
    });
  }
  const w = new CsvWriter(dir, experiments.file, experiments.columns.map((c) => c.name), false);
  for (const t of tests) w.row([t.channel, t.start, t.end, t.incremental_acv.toFixed(2), t.stderr.toFixed(2)]);
  await w.close();
  return tests;
}
