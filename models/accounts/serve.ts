/**
 * Scoring the accounts with the version that serves a run: a fitted version
 * scores with its own models and the engagement policy it was fitted with
 * (a model read under other weights would shift every score), the baseline
 * gives each account its segment's historical rate and size, refitted on
 * the book at hand like its backtest does (contenders.ts).
 */
import type { EngagementPolicy } from '../attribution-policy';
import { segmentRates } from './contenders';
import type { Driver } from './drivers';
import type { EngagementTouch } from './engagement';
import { scoreExpansions, type ExpansionScore } from './expansion';
import type { AccountBook } from './book';
import { dayBefore } from './outcomes';
import { engagementAtOf, type AccountsParams } from './stored';
import { featuresWithEngagement, type EngagementAt } from './training';
import { scoreWins, type WinScore } from './win-propensity';

export interface ServedScores {
  wins: WinScore[];
  expansions: ExpansionScore[];
}

/**
 * The win and expansion scores of the accounts known at `asOf` under
 * `params`. `reportPolicy` is the run's own agreement: the engagement an
 * account shows (and the baseline's features) are read under it, and its
 * MQL threshold words the engagement driver. `shown`, when the caller has
 * computed it, is that policy's engagement on the last day known (the day
 * before `asOf`, the only day scoring reads): passed, the touches are not
 * summed again for it, nor for a model fitted under the same policy.
 *
 * @example
 * const { wins, expansions } = serveAccounts(accountsParamsOf(serving.params), book, '2026-11-01', touches, policy);
 * accountScores(wins, expansions);
 */
export function serveAccounts(
  params: AccountsParams, book: AccountBook, asOf: string, touches: readonly EngagementTouch[], reportPolicy: EngagementPolicy,
  shown?: ReadonlyMap<string, number>,
): ServedScores {
  // Read as of the last day known, the day training.ts reads a cut's engagement at.
  const lastDay = dayBefore(asOf);
  const reportAt: EngagementAt = shown
    ? (day) => { if (day !== lastDay) throw new RangeError(`serveAccounts: engagement asked for ${day}, given for ${lastDay}`); return shown; }
    : engagementAtOf(touches, reportPolicy);
  if (params.kind === 'baseline_rate') return baselineScores(book, asOf, reportAt);
  const samePolicy = params.policy !== null && JSON.stringify(params.policy) === JSON.stringify(reportPolicy);
  const modelAt: EngagementAt | undefined = samePolicy ? reportAt : params.policy ? engagementAtOf(touches, params.policy) : undefined;
  const options = { engagementAt: modelAt, mqlThreshold: reportPolicy.mqlThreshold };
  // The model reads engagement under its own policy; what an account shows is the run's agreement's.
  const withReportedEngagement = <S extends { account_id: string; features: { engagement: number } }>(scores: S[]): S[] => {
    if (samePolicy) return scores;
    const shownNow = reportAt(lastDay);
    return scores.map((s) => ({ ...s, features: { ...s.features, engagement: shownNow.get(s.account_id) ?? 0 } }));
  };
  return {
    wins: withReportedEngagement(scoreWins(params.win, book, asOf, options)),
    expansions: withReportedEngagement(scoreExpansions(params.expansion, book, asOf, options)),
  };
}

/** Each account its segment's historical rate of winning (of expanding, for customers) and its mean size. */
function baselineScores(book: AccountBook, asOf: string, engagementAt: EngagementAt): ServedScores {
  const win = segmentRates(book, asOf, 'win');
  const expansion = segmentRates(book, asOf, 'expansion');
  const features = featuresWithEngagement(book, asOf, engagementAt);
  const driver = (rate: number, segment: string, what: string): Driver[] =>
    [{ group: 'segment', contribution: 0, words: `${segment} accounts ${what} at a rate of ${(100 * rate).toFixed(1)}% (baseline: segment rate)` }];
  const wins = features.map((f) => {
    const p = win.bySegment[f.segment] ?? win.overall;
    return { slot: f.slot, account_id: book.ids[f.slot], propensity: p, expectedNewAcv: p * (win.size.bySegment[f.segment] ?? win.size.overall),
      drivers: driver(p, f.segment, 'won within 6 months'), features: f };
  });
  const expansions = features.filter((f) => f.customer === 1).map((f) => {
    const p = expansion.bySegment[f.segment] ?? expansion.overall;
    return { slot: f.slot, account_id: book.ids[f.slot], propensity: p, expectedExpansionAcv: p * (expansion.size.bySegment[f.segment] ?? expansion.size.overall),
      drivers: driver(p, f.segment, 'expanded within 12 months'), features: f };
  });
  return { wins, expansions };
}
