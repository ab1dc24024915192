/**
 * Expansion propensity: the probability that an account holding a live
 * contract at the as-of date expands in the `horizonMonths` (12) after it
 * (outcomes.ts expansionIn: new business or a renewal at a higher ACV), and
 * its expected expansion ACV = propensity × the mean expansion of accounts
 * like it that expanded (by segment, shrunk toward the overall mean).
 *
 * Fitted like the win model (one logistic over historical cuts, design.ts),
 * on the customers of each cut. Columns: segment and region one-hot; the usage and seat
 * trend (monthly change of log usage units and of log active users over the
 * nine months before the cut, renewal/usage.ts slopeAt; 0 with a flag when
 * unknown); product fit (products held, and the product gap against the
 * customers of its segment); the contract dates (a contract ending within
 * the horizon, and the months to the nearest end); renewals so far; the
 * usage and seat trends and renewals again for a contract ending within the
 * horizon (a renewal there is a decision those move, elsewhere they have
 * nothing to act on); the live ACV; its open pipeline, opportunities and
 * wins of the last 24 months (new business from a customer is most of the
 * expansions); its family's customers; and engagement.
 */
import type { AccountBook } from './book';
import { fitDesign, levelsOf, oneHot, probabilityOf, shrunkMeans, type DesignColumn, type FittedLogit } from './design';
import { plural, topDrivers, type Driver, type Wording } from './drivers';
import type { AccountFeatures } from './features';
import { expansionIn, MIN_UPLIFT } from './outcomes';
import { cutsFor, featuresWithEngagement, trainingSet, type CutOptions, type EngagementAt } from './training';
import { accountWording } from './win-propensity';

export interface ExpansionOptions extends CutOptions {
  /** Relative uplift above which a renewal is an expansion (default 0: any increase). */
  minUplift?: number;
}

export interface ExpansionModel {
  asOf: string;
  horizonMonths: number;
  minUplift: number;
  cuts: string[];
  /** Fitted with engagement scores: scoring it needs them too (an engagement of 0 for all would shift every score). */
  withEngagement: boolean;
  /** The share of the (account, cut) rows the fit read: 1 unless the book was sampled (training.ts). */
  sampled: number;
  levels: { segment: string[]; region: string[] };
  fit: FittedLogit;
  /** Expected expansion ACV (USD) of an account that expands in the window, by segment, and overall. */
  expansionSize: { overall: number; bySegment: Record<string, number> };
}

export interface ExpansionScore {
  slot: number;
  account_id: string;
  propensity: number;
  expectedExpansionAcv: number;
  drivers: Driver[];
  features: AccountFeatures;
}

/** Months to the nearest contract end are capped here: beyond three years the date no longer matters. */
const END_CAP_MONTHS = 36;

/** The expansion model's columns; `horizonMonths` sets which contract ends fall in the window. */
export function expansionColumns(levels: ExpansionModel['levels'], horizonMonths: number): DesignColumn<AccountFeatures>[] {
  const num = (name: string, value: (f: AccountFeatures) => number, group = name): DesignColumn<AccountFeatures> => ({ name, group, value });
  return [
    ...oneHot<AccountFeatures>('segment', (f) => f.segment, levels.segment),
    ...oneHot<AccountFeatures>('region', (f) => f.region, levels.region),
    num('usage_trend', (f) => f.unitsSlope ?? 0),
    num('usage_known', (f) => (f.unitsSlope === null ? 0 : 1), 'usage_trend'),
    num('seat_trend', (f) => f.usersSlope ?? 0),
    num('products', (f) => Math.log1p(f.productsHeld)),
    num('product_gap', (f) => f.productGap),
    num('ends_in_window', (f) => (f.monthsToEnd < horizonMonths ? 1 : 0), 'contract_end'),
    num('usage_at_end', (f) => (f.monthsToEnd < horizonMonths ? f.unitsSlope ?? 0 : 0), 'usage_trend'),
    num('seats_at_end', (f) => (f.monthsToEnd < horizonMonths ? f.usersSlope ?? 0 : 0), 'seat_trend'),
    num('term_growth', (f) => f.termGrowth ?? 0),
    num('growth_at_end', (f) => (f.monthsToEnd < horizonMonths ? f.termGrowth ?? 0 : 0), 'term_growth'),
    num('renewals_at_end', (f) => (f.monthsToEnd < horizonMonths ? Math.min(f.renewalsSoFar, 5) : 0), 'renewals'),
    num('months_to_end', (f) => Math.min(f.monthsToEnd, END_CAP_MONTHS), 'contract_end'),
    num('renewals', (f) => Math.min(f.renewalsSoFar, 5)),
    num('acv', (f) => Math.log1p(f.activeAcvUsd / 1000)),
    num('open', (f) => Math.log1p(f.openOpportunities)),
    num('opportunities', (f) => Math.log1p(f.opportunities)),
    num('wins', (f) => Math.log1p(f.wins)),
    num('family_customer', (f) => (f.familyCustomers > 0 ? 1 : 0)),
    num('engagement', (f) => Math.log1p(f.engagement)),
  ];
}

const pct = (slope: number | null): string => `${slope! >= 0 ? '+' : '−'}${Math.abs((Math.exp(slope!) - 1) * 100).toFixed(1)}% a month`;

/** Expansion drivers read like the win model's, plus usage, product fit and the contract dates. */
export function expansionWording(mqlThreshold?: number): Wording<AccountFeatures> {
  return {
    ...accountWording(mqlThreshold),
    usage_trend: (f) => (f.unitsSlope === null ? 'no usage trend yet' : `usage ${pct(f.unitsSlope)}`),
    seat_trend: (f) => (f.usersSlope === null ? 'no seat trend yet' : `active users ${pct(f.usersSlope)}`),
    products: (f) => `holds ${plural(f.productsHeld, 'product')}`,
    product_gap: (f) => (f.productGap < 0.05 ? 'holds the products similar customers hold' : `lacks products that similar customers hold (gap ${f.productGap.toFixed(2)})`),
    contract_end: (f) => `contract ends in ${Math.round(f.monthsToEnd)} months`,
    term_growth: (f) => (f.termGrowth === null ? 'no usage over its term yet' : `usage ${f.termGrowth >= 0 ? 'up' : 'down'} ${Math.abs((Math.exp(f.termGrowth) - 1) * 100).toFixed(0)}% since its contract started`),
    renewals: (f) => `renewed ${plural(f.renewalsSoFar, 'time')} so far`,
    acv: (f) => `live ACV $${Math.round(f.activeAcvUsd / 1000)}k`,
  };
}

/**
 * Fits the expansion model on what is known at `asOf`.
 *
 * @example
 * const model = fitExpansionModel(accountBook(rows), '2026-05-01');
 * scoreExpansions(model, book)[0].expectedExpansionAcv;
 */
export function fitExpansionModel(book: AccountBook, asOf: string, options: ExpansionOptions = {}): ExpansionModel {
  const horizonMonths = options.horizonMonths ?? 12;
  const minUplift = options.minUplift ?? MIN_UPLIFT;
  const cuts = cutsFor(book, asOf, options, horizonMonths, 'contracts');
  const { rows, labels, sizes, sampled } = trainingSet(book, cuts, horizonMonths, (slot, cut, end) => expansionIn(book, slot, cut, end, minUplift), { ...options, include: (f) => f.customer === 1 });
  const levels = { segment: levelsOf(rows, (f) => f.segment, 1), region: levelsOf(rows, (f) => f.region, options.minLevelCount ?? 20) };
  const fit = fitDesign(expansionColumns(levels, horizonMonths), rows, labels);
  const size = shrunkMeans(sizes, options.sizePrior ?? 10);
  return { asOf, horizonMonths, minUplift, cuts, withEngagement: options.engagementAt !== undefined, sampled, levels, fit, expansionSize: { overall: size.overall, bySegment: Object.fromEntries(size.byGroup) } };
}

/** Scores the customers at `asOf` (default the model's as-of date); other accounts get no expansion score. */
export function scoreExpansions(
  model: ExpansionModel, book: AccountBook, asOf = model.asOf,
  options: { engagementAt?: EngagementAt; mqlThreshold?: number } = {},
): ExpansionScore[] {
  if (model.withEngagement && !options.engagementAt) throw new RangeError('scoreExpansions: the model was fitted with engagement scores; pass engagementAt');
  const columns = expansionColumns(model.levels, model.horizonMonths);
  const wording = expansionWording(options.mqlThreshold);
  return featuresWithEngagement(book, asOf, options.engagementAt).filter((f) => f.customer).map((f) => {
    const propensity = probabilityOf(model.fit, columns, f);
    const size = model.expansionSize.bySegment[f.segment] ?? model.expansionSize.overall;
    return { slot: f.slot, account_id: book.ids[f.slot], propensity, expectedExpansionAcv: propensity * size, drivers: topDrivers(model.fit, columns, wording, f), features: f };
  });
}
