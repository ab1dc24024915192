/**
 * Win propensity: the probability that an account wins an opportunity in the
 * `horizonMonths` (6) after the as-of date (outcomes.ts says which
 * opportunities count), and its expected new ACV = propensity × the expected
 * won ACV of an account like it that wins.
 *
 * One logistic fit (design.ts) over several historical cuts, every 3 months
 * back from asOf − horizon so that each cut's window has passed by the as-of
 * date; each account known at a cut is a row, its features those known at
 * the cut (features.ts). Columns: segment, region and industry one-hot (rare
 * industries pooled, all shrunk by the L2 penalty); being a customer and the
 * products held; its own opportunities, wins and losses of the last 24 months,
 * its open pipeline and the recency of its last opportunity; its family's
 * customers, wins, losses and opportunities; and the engagement score at the
 * cut, an input (models/accounts/engagement.ts computes it), so the model
 * works with or without it.
 *
 * Expected deal size: the mean won ACV in the window of the (account, cut)
 * rows that won, by segment, shrunk toward the overall mean (deal sizes are
 * set by segment: the drop's own ACVs show it, and the segment is known for
 * every account, even one that never bought).
 */
import { wonIn, type WinOutcome } from './outcomes';
import { fitDesign, levelsOf, oneHot, probabilityOf, shrunkMeans, type DesignColumn, type FittedLogit } from './design';
import { HISTORY_MONTHS, type AccountFeatures } from './features';
import { plural, topDrivers, type Driver, type Wording } from './drivers';
import type { AccountBook } from './book';
import { cutsFor, featuresWithEngagement, trainingSet, type CutOptions, type EngagementAt } from './training';

export type { CutOptions, EngagementAt } from './training';

export interface WinOptions extends CutOptions {
  outcome?: WinOutcome;
}

export interface WinModel {
  asOf: string;
  horizonMonths: number;
  outcome: WinOutcome;
  cuts: string[];
  /** Fitted with engagement scores: scoring it needs them too (an engagement of 0 for all would shift every score). */
  withEngagement: boolean;
  /** The share of the (account, cut) rows the fit read: 1 unless the book was sampled (training.ts). */
  sampled: number;
  levels: { segment: string[]; region: string[]; industry: string[] };
  fit: FittedLogit;
  /** Expected won ACV (USD) of an account that wins in the window, by segment, and overall. */
  dealSize: { overall: number; bySegment: Record<string, number> };
}

export interface WinScore {
  slot: number;
  account_id: string;
  propensity: number;
  expectedNewAcv: number;
  drivers: Driver[];
  features: AccountFeatures;
}

const log1p = Math.log1p;
/** Recency of the last opportunity: 1 just now, 1/e after a year, 0 without one. */
const recency = (f: AccountFeatures): number => (Number.isNaN(f.monthsSinceLastOpportunity) ? 0 : Math.exp(-f.monthsSinceLastOpportunity / 12));

/** The win model's columns for the levels it was fitted with. */
export function winColumns(levels: WinModel['levels']): DesignColumn<AccountFeatures>[] {
  const num = (name: string, value: (f: AccountFeatures) => number, group = name): DesignColumn<AccountFeatures> => ({ name, group, value });
  return [
    ...oneHot<AccountFeatures>('segment', (f) => f.segment, levels.segment),
    ...oneHot<AccountFeatures>('region', (f) => f.region, levels.region),
    ...oneHot<AccountFeatures>('industry', (f) => f.industry, levels.industry),
    num('customer', (f) => f.customer),
    num('products', (f) => log1p(f.productsHeld), 'customer'),
    num('opportunities', (f) => log1p(f.opportunities)),
    num('wins', (f) => log1p(f.wins)),
    num('losses', (f) => log1p(f.losses)),
    num('open', (f) => log1p(f.openOpportunities)),
    num('open_amount', (f) => log1p(f.openAmountUsd / 1000), 'open'),
    num('recency', recency),
    num('family_customer', (f) => (f.familyCustomers > 0 ? 1 : 0)),
    num('family_wins', (f) => log1p(f.familyWins)),
    num('family_losses', (f) => log1p(f.familyLosses)),
    num('family_opportunities', (f) => log1p(f.familyOpportunities)),
    num('engagement', (f) => log1p(f.engagement)),
  ];
}

const usd = (x: number): string => (x >= 1e6 ? `$${(x / 1e6).toFixed(1)}M` : `$${Math.round(x / 1000)}k`);

/** How each group of either model reads for an account; `mqlThreshold` marks an engagement at or over it "(MQL)". */
export function accountWording(mqlThreshold?: number): Wording<AccountFeatures> {
  return {
    segment: (f) => `segment ${f.segment}`,
    region: (f) => `region ${f.region}`,
    industry: (f) => `industry ${f.industry}`,
    customer: (f) => (f.customer ? `current customer with ${plural(f.productsHeld, 'product')}` : 'not a customer'),
    opportunities: (f) => `${plural(f.opportunities, 'opportunity', 'opportunities')} in the last ${HISTORY_MONTHS} months`,
    wins: (f) => (f.wins ? `won ${plural(f.wins, 'deal')} in the last ${HISTORY_MONTHS} months` : `no deal won in the last ${HISTORY_MONTHS} months`),
    losses: (f) => (f.losses ? `lost ${plural(f.losses, 'deal')} in the last ${HISTORY_MONTHS} months` : `no deal lost in the last ${HISTORY_MONTHS} months`),
    open: (f) => (f.openOpportunities ? `${plural(f.openOpportunities, 'open opportunity', 'open opportunities')} (${usd(f.openAmountUsd)})` : 'no open opportunity'),
    recency: (f) => (Number.isNaN(f.monthsSinceLastOpportunity) ? 'never had an opportunity' : `last opportunity ${Math.round(f.monthsSinceLastOpportunity)} months ago`),
    family_customer: (f) => (f.familyCustomers ? `${plural(f.familyCustomers, 'account')} of its family ${f.familyCustomers === 1 ? 'is a customer' : 'are customers'}` : f.familyOthers ? 'no customer in its family' : 'no parent or subsidiary'),
    family_wins: (f) => `its family won ${plural(f.familyWins, 'deal')} in the last ${HISTORY_MONTHS} months`,
    family_losses: (f) => `its family lost ${plural(f.familyLosses, 'deal')} in the last ${HISTORY_MONTHS} months`,
    family_opportunities: (f) => `its family had ${plural(f.familyOpportunities, 'opportunity', 'opportunities')} in the last ${HISTORY_MONTHS} months`,
    engagement: (f) => `engagement ${f.engagement.toFixed(1)}${mqlThreshold !== undefined && f.engagement >= mqlThreshold ? ' (MQL)' : ''}`,
  };
}

/**
 * Fits the win model on what is known at `asOf` (rows dated before it).
 *
 * @example
 * const model = fitWinModel(accountBook(rows), '2026-05-01', { engagementAt: (day) => engagementScores(touches, policy, day).accounts });
 * scoreWins(model, book, '2026-05-01')[0].expectedNewAcv;
 */
export function fitWinModel(book: AccountBook, asOf: string, options: WinOptions = {}): WinModel {
  const horizonMonths = options.horizonMonths ?? 6;
  const outcome = options.outcome ?? 'closed';
  const cuts = cutsFor(book, asOf, options, horizonMonths, 'opportunities');
  const { rows, labels, sizes, sampled } = trainingSet(book, cuts, horizonMonths, (slot, cut, end) => wonIn(book, slot, cut, end, outcome, asOf), options);
  const minCount = options.minLevelCount ?? 20;
  const levels = {
    segment: levelsOf(rows, (f) => f.segment, 1),
    region: levelsOf(rows, (f) => f.region, minCount),
    industry: levelsOf(rows, (f) => f.industry, minCount),
  };
  const fit = fitDesign(winColumns(levels), rows, labels);
  const size = shrunkMeans(sizes, options.sizePrior ?? 10);
  return { asOf, horizonMonths, outcome, cuts, withEngagement: options.engagementAt !== undefined, sampled, levels, fit, dealSize: { overall: size.overall, bySegment: Object.fromEntries(size.byGroup) } };
}

/**
 * Scores the accounts known at `asOf` (default the model's as-of date).
 * `mqlThreshold` only words the engagement driver.
 */
export function scoreWins(
  model: WinModel, book: AccountBook, asOf = model.asOf,
  options: { engagementAt?: EngagementAt; mqlThreshold?: number } = {},
): WinScore[] {
  if (model.withEngagement && !options.engagementAt) throw new RangeError('scoreWins: the model was fitted with engagement scores; pass engagementAt');
  const columns = winColumns(model.levels);
  const wording = accountWording(options.mqlThreshold);
  return featuresWithEngagement(book, asOf, options.engagementAt).map((f) => {
    const propensity = probabilityOf(model.fit, columns, f);
    const size = model.dealSize.bySegment[f.segment] ?? model.dealSize.overall;
    return { slot: f.slot, account_id: book.ids[f.slot], propensity, expectedNewAcv: propensity * size, drivers: topDrivers(model.fit, columns, wording, f), features: f };
  });
}
