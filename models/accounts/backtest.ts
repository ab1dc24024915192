/**
 * Backtests of the account models on a time split: fit on what was known at
 * T − horizon (the cuts whose windows end by then), score the accounts at
 * T − horizon, and judge on what happened in the horizon up to T. The
 * measures a sales team reads: the lift of the top decile (its share of the
 * positives, or of the won ACV, over its share of the accounts), precision
 * at k, calibration by decile (models/evaluation.ts) and the AUC
 * (models/evaluation.ts rocAuc).
 */
import { shiftMonths } from '../../lib/dates';
import { calibrationByDecile, rocAuc, type CalibrationBin } from '../evaluation';
import type { AccountBook } from './book';
import { fitExpansionModel, scoreExpansions, type ExpansionModel, type ExpansionOptions } from './expansion';
import { expansionIn, wonIn } from './outcomes';
import { fitWinModel, scoreWins, type WinModel, type WinOptions } from './win-propensity';

/** Indices by score, highest first; ties keep their input order. */
function byScore(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}

/**
 * The top `share` of rows by score: its share of the total `values` (1 for a
 * positive, 0 otherwise, when values are booleans) over its share of the rows.
 * The top k is round(share × n) rows (at least one); NaN when the total is 0.
 *
 * @example
 * topShareLift([0.9, 0.1, 0.5, 0.2], [true, false, false, false], 0.25); // (1 / 1) / (1 / 4) = 4
 */
export function topShareLift(scores: readonly number[], values: readonly (number | boolean)[], share = 0.1): number {
  const n = scores.length;
  if (values.length !== n) throw new RangeError(`topShareLift: ${n} scores against ${values.length} values`);
  const k = Math.max(1, Math.round(share * n));
  const v = values.map(Number);
  const total = v.reduce((s, x) => s + x, 0);
  if (!n || total === 0) return NaN;
  const order = byScore(scores);
  let top = 0;
  for (let i = 0; i < k; i++) top += v[order[i]];
  return top / total / (k / n);
}

/**
 * The share of positives among the k highest scores.
 *
 * @example
 * precisionAtK([0.9, 0.8, 0.1], [true, false, true], 2); // 0.5
 */
export function precisionAtK(scores: readonly number[], outcomes: readonly boolean[], k: number): number {
  const order = byScore(scores);
  const m = Math.min(k, order.length);
  if (m <= 0) return NaN;
  let hits = 0;
  for (let i = 0; i < m; i++) if (outcomes[order[i]]) hits++;
  return hits / m;
}

/**
 * Each decile's share of the total value, highest scores first: the lift chart
 * (decile d's share × 10 is its lift). Deciles are cut as calibrationByDecile cuts them.
 */
export function shareByDecile(scores: readonly number[], values: readonly (number | boolean)[], bins = 10): number[] {
  const order = byScore(scores);
  const v = values.map(Number);
  const total = v.reduce((s, x) => s + x, 0);
  const n = order.length;
  const k = Math.min(bins, n);
  const out: number[] = [];
  for (let b = 0; b < k; b++) {
    let s = 0;
    for (let j = Math.floor((b * n) / k); j < Math.floor(((b + 1) * n) / k); j++) s += v[order[j]];
    out.push(total ? s / total : NaN);
  }
  return out;
}

export interface BacktestMetrics {
  accounts: number;
  positives: number;
  /** Top decile's share of the positives over 0.1 (of its share of accounts). */
  liftTopDecile: number;
  /** Top decile (by expected ACV) of the ACV won or expanded over its share of accounts. */
  acvLiftTopDecile: number;
  /** Precision among the top 10% by propensity. */
  precisionAtTopDecile: number;
  auc: number;
  calibration: CalibrationBin[];
  calibrationMaxGap: number;
  /** The lift chart: each decile's share of the ACV, by expected ACV. */
  acvShareByDecile: number[];
}

/** The measures of scores (propensity and expected ACV) against outcomes (happened and ACV). */
export function backtestMetrics(propensity: readonly number[], expectedAcv: readonly number[], happened: readonly boolean[], acvUsd: readonly number[]): BacktestMetrics {
  const n = propensity.length;
  const calibration = calibrationByDecile(propensity, happened);
  return {
    accounts: n,
    positives: happened.filter(Boolean).length,
    liftTopDecile: topShareLift(propensity, happened),
    acvLiftTopDecile: topShareLift(expectedAcv, acvUsd),
    precisionAtTopDecile: precisionAtK(propensity, happened, Math.max(1, Math.round(n / 10))),
    auc: rocAuc(propensity, happened),
    calibration: calibration.bins,
    calibrationMaxGap: calibration.maxGap,
    acvShareByDecile: shareByDecile(expectedAcv, acvUsd),
  };
}

export interface WinBacktest extends BacktestMetrics {
  asOf: string;
  judgedTo: string;
  model: WinModel;
}

/**
 * The win model judged on a time split at T (`YYYY-MM-DD`, the first day
 * not seen): fitted and scored at T − horizon, outcomes over [T − horizon, T).
 *
 * @example
 * const split = backtestWins(accountBook(rows), '2026-11-01', { engagementAt });
 * split.acvLiftTopDecile; // the top tenth's share of the new ACV won May–October 2026, over 0.1
 */
export function backtestWins(book: AccountBook, judgedTo: string, options: WinOptions = {}): WinBacktest {
  const horizon = options.horizonMonths ?? 6;
  const asOf = shiftMonths(judgedTo, -horizon);
  const model = fitWinModel(book, asOf, options);
  const scores = scoreWins(model, book, asOf, { engagementAt: options.engagementAt });
  const outcomes = scores.map((s) => wonIn(book, s.slot, asOf, judgedTo, model.outcome, judgedTo));
  return {
    asOf, judgedTo, model,
    ...backtestMetrics(scores.map((s) => s.propensity), scores.map((s) => s.expectedNewAcv), outcomes.map((o) => o.happened), outcomes.map((o) => o.acvUsd)),
  };
}

export interface ExpansionBacktest extends BacktestMetrics {
  asOf: string;
  judgedTo: string;
  model: ExpansionModel;
}

/**
 * The expansion model judged on a time split at T: the customers at
 * T − horizon, expansions over [T − horizon, T).
 *
 * @example
 * backtestExpansions(accountBook(rows), '2026-11-01').auc; // customers of 2025-11-01, judged on the next 12 months
 */
export function backtestExpansions(book: AccountBook, judgedTo: string, options: ExpansionOptions = {}): ExpansionBacktest {
  const horizon = options.horizonMonths ?? 12;
  const asOf = shiftMonths(judgedTo, -horizon);
  const model = fitExpansionModel(book, asOf, options);
  const scores = scoreExpansions(model, book, asOf, { engagementAt: options.engagementAt });
  const outcomes = scores.map((s) => expansionIn(book, s.slot, asOf, judgedTo, model.minUplift));
  return {
    asOf, judgedTo, model,
    ...backtestMetrics(scores.map((s) => s.propensity), scores.map((s) => s.expectedExpansionAcv), outcomes.map((o) => o.happened), outcomes.map((o) => o.acvUsd)),
  };
}
