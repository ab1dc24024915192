/**
 * The accounts family's contenders on a time split: the challenger and the
 * champion are each refitted from their *specification* on what was known
 * at the cut (never a stored fit scored on the history it learned from), and
 * judged on what happened between the cut and the judging date. A fitted
 * version's specification is its horizons, its win outcome, its expansion
 * uplift and the engagement policy it read; the baseline's is the segment
 * rates.
 *
 * The baseline (`baseline_rate`): each account's propensity is its
 * segment's historical rate over the same training cuts the fitted models
 * use (wins among the accounts known at each cut, expansions among the
 * customers), smoothed as (positives + ½) / (rows + 1), and its expected ACV
 * that rate × the segment's mean size (shrunk like the models' sizes).
 */
import type { EngagementPolicy } from '../attribution-policy';
import { shiftMonths } from '../../lib/dates';
import { backtestExpansions, backtestMetrics, backtestWins, type BacktestMetrics } from './backtest';
import type { AccountBook } from './book';
import { shrunkMeans } from './design';
import { featuresAt, type AccountFeatures } from './features';
import { expansionIn, MIN_UPLIFT, wonIn, type Outcome, type WinOutcome } from './outcomes';
import type { AccountsParams } from './stored';
import { cutsFor, trainingSet, type EngagementAt } from './training';

export type AccountsSpec =
  | { kind: 'accounts'; win: { horizonMonths: number; outcome: WinOutcome }; expansion: { horizonMonths: number; minUplift: number }; engagement: EngagementPolicy | null }
  | { kind: 'baseline_rate'; win: { horizonMonths: number }; expansion: { horizonMonths: number } };

/** The models' own horizons: what the baseline is judged over too. */
export const BASELINE_HORIZONS = { win: 6, expansion: 12 } as const;

/** The specification a stored version is refitted from. */
export function accountsSpecOf(params: AccountsParams): AccountsSpec {
  if (params.kind === 'baseline_rate') return { kind: 'baseline_rate', win: { horizonMonths: BASELINE_HORIZONS.win }, expansion: { horizonMonths: BASELINE_HORIZONS.expansion } };
  return {
    kind: 'accounts',
    win: { horizonMonths: params.win.horizonMonths, outcome: params.win.outcome },
    expansion: { horizonMonths: params.expansion.horizonMonths, minUplift: params.expansion.minUplift },
    engagement: params.win.withEngagement || params.expansion.withEngagement ? params.policy : null,
  };
}

export interface SegmentRates {
  overall: number;
  bySegment: Record<string, number>;
  size: { overall: number; bySegment: Record<string, number> };
}

/** (positives + ½) / (rows + 1) by segment and overall, and the shrunk mean size by segment, of labelled rows. */
function ratesOf(rows: readonly AccountFeatures[], labels: readonly boolean[], sizes: Iterable<readonly [string, number]>): SegmentRates {
  const counts = new Map<string, { n: number; k: number }>();
  let n = 0, k = 0;
  rows.forEach((f, i) => {
    const c = counts.get(f.segment) ?? { n: 0, k: 0 };
    c.n++; n++;
    if (labels[i]) { c.k++; k++; }
    counts.set(f.segment, c);
  });
  const size = shrunkMeans(sizes, 10);
  return {
    overall: (k + 0.5) / (n + 1),
    bySegment: Object.fromEntries([...counts].map(([s, c]) => [s, (c.k + 0.5) / (c.n + 1)])),
    size: { overall: size.overall, bySegment: Object.fromEntries(size.byGroup) },
  };
}

/**
 * The baseline's segment rates at `asOf`: of wins among the accounts known at
 * each training cut, or of expansions among its customers.
 *
 * @example
 * segmentRates(book, '2026-05-01', 'win').bySegment.enterprise; // the enterprise accounts' share that won within 6 months of a cut
 */
export function segmentRates(book: AccountBook, asOf: string, which: 'win' | 'expansion'): SegmentRates {
  const horizon = BASELINE_HORIZONS[which];
  const cuts = cutsFor(book, asOf, {}, horizon, which === 'win' ? 'opportunities' : 'contracts');
  const label = which === 'win'
    ? (slot: number, cut: string, end: string) => wonIn(book, slot, cut, end, 'closed', asOf)
    : (slot: number, cut: string, end: string) => expansionIn(book, slot, cut, end, MIN_UPLIFT);
  const set = trainingSet(book, cuts, horizon, label, which === 'expansion' ? { include: (f) => f.customer === 1 } : {});
  return ratesOf(set.rows, set.labels, set.sizes);
}

export interface ContenderSplit extends BacktestMetrics {
  /** The cut (fitted and scored on what was known before it) and the judging date. */
  asOf: string;
  judgedTo: string;
}

/** The baseline fitted at the cut, scored on the accounts known then (or its customers) and judged to `judgedTo`. */
function baselineSplit(book: AccountBook, judgedTo: string, which: 'win' | 'expansion'): ContenderSplit {
  const asOf = shiftMonths(judgedTo, -BASELINE_HORIZONS[which]);
  const rates = segmentRates(book, asOf, which);
  const accounts = featuresAt(book, asOf).filter((f) => which === 'win' || f.customer === 1);
  const p = accounts.map((f) => rates.bySegment[f.segment] ?? rates.overall);
  const size = accounts.map((f) => rates.size.bySegment[f.segment] ?? rates.size.overall);
  const outcomes: Outcome[] = accounts.map((f) => (which === 'win' ? wonIn(book, f.slot, asOf, judgedTo, 'closed', judgedTo) : expansionIn(book, f.slot, asOf, judgedTo, MIN_UPLIFT)));
  return { asOf, judgedTo, ...backtestMetrics(p, p.map((x, i) => x * size[i]), outcomes.map((o) => o.happened), outcomes.map((o) => o.acvUsd)) };
}

/**
 * Both models of a specification on the time split that ends at `judgedTo`
 * (the win model cut its win horizon before it, the expansion model its
 * expansion horizon before it). `engagementAt` gives the scores under a
 * policy (the specification's own, so a champion reads engagement as it was
 * fitted); `onCut` is called after each training cut is read.
 */
export function backtestAccountsSpec(
  book: AccountBook, judgedTo: string, spec: AccountsSpec, engagementAt: (policy: EngagementPolicy) => EngagementAt, onCut?: (cut: string) => void,
): { win: ContenderSplit; expansion: ContenderSplit } {
  if (spec.kind === 'baseline_rate') return { win: baselineSplit(book, judgedTo, 'win'), expansion: baselineSplit(book, judgedTo, 'expansion') };
  const e = spec.engagement ? engagementAt(spec.engagement) : undefined;
  const { model: _w, ...win } = backtestWins(book, judgedTo, { ...spec.win, engagementAt: e, onCut });
  const { model: _e, ...expansion } = backtestExpansions(book, judgedTo, { ...spec.expansion, engagementAt: e, onCut });
  return { win, expansion };
}
