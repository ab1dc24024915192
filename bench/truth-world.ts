/**
 * One world of the truth bench: generate it, fit the incrementality model as
 * the retrain stage does, propose the budget as the score stage does, and
 * hold both against the planted truth. No Temporal, no Postgres: the rows
 * come from the contract validator (`validateDrop`), the same rows ingest
 * lands, and the models are plain functions of them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateDrop } from '../contracts';
import { generateDrop } from '../generator';
import { asOfDate } from '../lib/dates';
import { incrementalityInputs, knownBefore, MMM_FIT_SETTINGS } from '../activities/retrain';
import { budgetPolicyOf, proposeNextBudget } from '../activities/score';
import { MmmHistoryTooShort, restoreMmm, storeMmm, type StoredMmm } from '../models/mmm';
import { fitWithLiftTests } from '../models/mmm-calibration';
import { recentSpend, channelWindow } from '../models/budget';
import { deriveSeed } from '../models/random';
import { bestSplit, plantedBudgetAcv, plantedMonthlyAcv, spearman, type PlantedCurve } from './truth-measures';
import type { WorldSpec } from './truth-worlds';

interface WorldTruth {
  months: [string, string];
  world: { channels: Record<string, PlantedCurve & { causes: boolean; spendUsd: number; causedAcvUsd: number; roi: number }> };
}

export interface ChannelMeasure {
  channel: string;
  trueRoi: number;
  roi: number;
  trueAcv: number;
  acv: number;
  in80: boolean;
  in95: boolean;
  causes: boolean;
  /** The budget: current and recommended monthly spend, and the ACV of the next dollar there, the model's and the planted one. */
  budget?: { current: number; recommended: number; binding: string; marginalRoi: number; trueMarginalRoi: number };
}

export interface WorldMeasure {
  group: string;
  seed: number;
  months: number;
  /** Why the cycle would have no fit (too short a history), else null. */
  skipped: string | null;
  spearman: number;
  /** Σ estimated caused ACV / Σ true caused ACV over the paid channels. */
  acvRatio: number;
  /** Median over channels of |estimated ROI − true ROI|, ACV per dollar. */
  roiAbsError: number;
  cover80: number;
  cover95: number;
  /** (planted value of the recommended budget − of the current) / (of the best in the same box − of the current). */
  capturedShare: number;
  /** Planted monthly ACV: current budget, recommended, best possible (USD). */
  value: { current: number; recommended: number; best: number };
  losesValue: boolean;
  channels: ChannelMeasure[];
  seconds: number;
}

/** Generates the world into `dir` and measures it. */
export async function measureWorld(spec: WorldSpec, dir: string, accounts: number): Promise<WorldMeasure> {
  const started = Date.now();
  await generateDrop({ outDir: dir, seed: spec.seed, accounts, months: spec.months, world: spec.knobs });
  const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as WorldTruth;
  const v = await validateDrop(dir);
  if (!v.ok) throw new Error(`world ${spec.group}/${spec.seed} failed validation: ${v.errors.join('; ')}`);
  const rows = v.rows;

  // The retrain stage's inputs and call (activities/retrain.ts), for a run of the drop's last month.
  const month = truth.months[1];
  const asOf = asOfDate(month);
  const { series, experiments } = incrementalityInputs(knownBefore(rows, asOf), rows, month);
  const base = { group: spec.group, seed: spec.seed, months: spec.months };
  let stored: StoredMmm;
  try {
    // The run seed is the drop's; here the world's seed stands in for it. A lift test the model disagrees with decides its channel, as in retrain.
    stored = JSON.parse(JSON.stringify(storeMmm(fitWithLiftTests(series, { bootstrap: MMM_FIT_SETTINGS.bootstrap, seed: deriveSeed(spec.seed, 'mmm') }, experiments).fit)));
  } catch (err) {
    if (!(err instanceof MmmHistoryTooShort)) throw err;
    return { ...base, skipped: err.message, spearman: NaN, acvRatio: NaN, roiAbsError: NaN, cover80: NaN, cover95: NaN, capturedShare: NaN,
      value: { current: NaN, recommended: NaN, best: NaN }, losesValue: false, channels: [], seconds: (Date.now() - started) / 1000 };
  }
  // The score stage reads the fit back from its stored JSON.
  const fit = restoreMmm(stored);

  const tc = truth.world.channels;
  const channels: ChannelMeasure[] = fit.results.map((r) => {
    const t = tc[r.channel];
    return {
      channel: r.channel, trueRoi: t.roi, roi: r.roi, trueAcv: t.causedAcvUsd, acv: r.incrementalAcv, causes: t.causes,
      in80: r.roiQuantiles.p10 <= t.roi && t.roi <= r.roiQuantiles.p90,
      in95: r.roiQuantiles.p2_5 <= t.roi && t.roi <= r.roiQuantiles.p97_5,
    };
  });
  const sumOf = (f: (c: ChannelMeasure) => number) => channels.reduce((s, c) => s + f(c), 0);
  const absErrors = channels.map((c) => Math.abs(c.roi - c.trueRoi)).sort((a, b) => a - b);

  // The score stage's budget, and the best the planted curves allow in the same guardrail box with the same total.
  const policy = budgetPolicyOf(null);
  const current = recentSpend(rows.spend, month, policy.recentMonths);
  const plan = proposeNextBudget(fit, current, policy);
  let value = { current: NaN, recommended: NaN, best: NaN };
  if (plan) {
    const moved = plan.lines.map((l) => l.channel);
    const now = Object.fromEntries(moved.map((c) => [c, current[c]]));
    const box = moved.map((c) => {
      const w = channelWindow({ channel: c, current: current[c], response: () => 0 }, policy.maxChange);
      return { channel: c, lower: w.lower, upper: w.upper, value: (s: number) => plantedMonthlyAcv(tc[c], s) };
    });
    const best = bestSplit(box, plan.totalSpend);
    for (const l of plan.lines) {
      const m = channels.find((c) => c.channel === l.channel);
      const h = Math.max(1, 1e-4 * l.current);
      if (m) m.budget = { current: l.current, recommended: l.recommended, binding: l.binding, marginalRoi: l.marginalRoi,
        trueMarginalRoi: (plantedMonthlyAcv(tc[l.channel], l.current + h) - plantedMonthlyAcv(tc[l.channel], l.current - h)) / (2 * h) };
    }
    value = {
      current: plantedBudgetAcv(tc, now),
      recommended: plantedBudgetAcv(tc, Object.fromEntries(plan.lines.map((l) => [l.channel, l.recommended]))),
      best: best.value,
    };
  }
  const gain = value.best - value.current;
  return {
    ...base,
    skipped: null,
    spearman: spearman(channels.map((c) => c.roi), channels.map((c) => c.trueRoi)),
    acvRatio: sumOf((c) => c.acv) / sumOf((c) => c.trueAcv),
    roiAbsError: absErrors[Math.floor((absErrors.length - 1) / 2)],
    cover80: channels.filter((c) => c.in80).length / channels.length,
    cover95: channels.filter((c) => c.in95).length / channels.length,
    // A box with nothing to gain (best = current) has no share to capture.
    capturedShare: gain > 1e-9 * Math.abs(value.current) ? (value.recommended - value.current) / gain : NaN,
    value,
    losesValue: value.recommended < value.current - 1e-9 * Math.abs(value.current),
    channels,
    seconds: (Date.now() - started) / 1000,
  };
}
