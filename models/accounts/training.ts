/**
 * The training rows of an account model: every account known at each
 * historical cut, its features at the cut and what happened in the window
 * after it. Shared by the win and expansion models, which differ only in the
 * label and in which accounts they read.
 *
 * On a large book the rows are a uniform sample, at most `maxRows` in
 * expectation: 1M accounts over 8 cuts would be 8M rows of 35 columns, while
 * a logistic of 35 coefficients is pinned by far fewer, and a uniform sample
 * leaves the fit unbiased (no weights to carry). The sample is a hash of the
 * account's slot and the cut, so a re-run fits the same rows.
 */
import { shiftMonths } from '../../lib/dates';
import { fmix32 } from '../random';
import { dayNumber, type AccountBook } from './book';
import { accountsAt, featuresAt, type AccountFeatures } from './features';
import { dayBefore, firstDateOf, trainingCuts, type Outcome } from './outcomes';

/** Engagement scores of the accounts at the end of a day (`YYYY-MM-DD`); models/accounts/engagement.ts engagementScores(...).accounts fits. */
export type EngagementAt = (day: string) => ReadonlyMap<string, number>;

/** Training rows kept at most (in expectation) before sampling. */
export const MAX_TRAINING_ROWS = 250_000;

export interface CutOptions {
  /** Months of the outcome window. */
  horizonMonths?: number;
  /** Months between training cuts (default 3). */
  everyMonths?: number;
  /** At most this many cuts (default 8). */
  maxCuts?: number;
  /** A cut needs this many months of the label's rows before it (default 6). */
  minHistoryMonths?: number;
  engagementAt?: EngagementAt;
  /** A one-hot level needs this many training rows (default 20). */
  minLevelCount?: number;
  /** Pseudo-observations of the overall mean in each segment's expected size (default 10). */
  sizePrior?: number;
  /** Sample the training rows down to about this many (default MAX_TRAINING_ROWS). */
  maxRows?: number;
  /** Called after each cut's rows are read: a long fit's activity heartbeats there. */
  onCut?: (cut: string) => void;
}

/** Features at a cut with the engagement known the day before it (the last whole day before the cut). */
export const featuresWithEngagement = (book: AccountBook, cut: string, engagementAt?: EngagementAt): AccountFeatures[] =>
  featuresAt(book, cut, engagementAt?.(dayBefore(cut)));

/** The training cuts of a model fitted at `asOf` whose labels read `rows`: none when the book has none of them. */
export function cutsFor(book: AccountBook, asOf: string, o: CutOptions, horizonMonths: number, rows: 'opportunities' | 'contracts'): string[] {
  const first = firstDateOf(book, rows);
  if (first === null) return [];
  return trainingCuts(asOf, first, { horizonMonths, everyMonths: o.everyMonths ?? 3, maxCuts: o.maxCuts ?? 8, minHistoryMonths: o.minHistoryMonths ?? 6 });
}

export interface TrainingSet {
  rows: AccountFeatures[];
  labels: boolean[];
  /** (segment, ACV) of each positive row: what the expected sizes are learned from. */
  sizes: [string, number][];
  /** The share of the candidate rows kept (1 unless the book is large). */
  sampled: number;
}

/**
 * The rows of the accounts `include` admits at each cut, labelled by `label`
 * over [cut, cut + horizon).
 */
export function trainingSet(
  book: AccountBook, cuts: readonly string[], horizonMonths: number,
  label: (slot: number, cut: string, end: string) => Outcome,
  options: { engagementAt?: EngagementAt; include?: (f: AccountFeatures) => boolean; maxRows?: number; onCut?: (cut: string) => void } = {},
): TrainingSet {
  let candidates = 0;
  for (const cut of cuts) candidates += accountsAt(book, dayNumber(cut)).length;
  const sampled = Math.min(1, (options.maxRows ?? MAX_TRAINING_ROWS) / Math.max(1, candidates));
  const threshold = sampled * 4294967296;
  const out: TrainingSet = { rows: [], labels: [], sizes: [], sampled };
  for (const cut of cuts) {
    const end = shiftMonths(cut, horizonMonths);
    const day = dayNumber(cut);
    for (const f of featuresWithEngagement(book, cut, options.engagementAt)) {
      if (options.include && !options.include(f)) continue;
      if (sampled < 1 && fmix32(Math.imul(f.slot + 1, 0x9e3779b1) ^ day) >>> 0 >= threshold) continue;
      const o = label(f.slot, cut, end);
      out.rows.push(f);
      out.labels.push(o.happened);
      if (o.happened) out.sizes.push([f.segment, o.acvUsd]);
    }
    options.onCut?.(cut);
  }
  return out;
}
