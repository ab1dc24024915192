/**
 * The generating parameters of the synthetic world. Everything planted (the
 * causal effect of each channel, the renewal model) is read from here, and the
 * same numbers are written to truth.json.
 */
import type { Segment } from '../contracts/rows';

export const CHANNELS = [
  'paid_search', 'paid_social', 'display', 'webinar', 'event', 'content', 'email', 'organic', 'partner', 'sdr_outbound',
] as const;
export type Channel = (typeof CHANNELS)[number];

export type Role = 'demand' | 'harvest';

export interface SegmentParams {
  /** Share of accounts. */
  share: number;
  acvMedianUsd: number;
  acvSigma: number;
  winRate: number;
  /** P(sales cycle = k months), k = index (close month - created month). */
  cycle: number[];
  /** Weights of 12/24/36-month terms. */
  terms: [number, number, number];
  discountMean: number;
  discountSd: number;
  /** Median licensed seats, drives usage.csv. */
  seats: number;
}

export const SEGMENT_PARAMS: Record<Segment, SegmentParams> = {
  enterprise: {
    share: 0.08, acvMedianUsd: 150_000, acvSigma: 0.6, winRate: 0.2,
    cycle: [0, 0, 0, 0.08, 0.12, 0.2, 0.2, 0.18, 0.12, 0.1],
    terms: [0.3, 0.3, 0.4], discountMean: 20, discountSd: 8, seats: 400,
  },
  mid_market: {
    share: 0.27, acvMedianUsd: 40_000, acvSigma: 0.55, winRate: 0.25,
    cycle: [0, 0, 0.15, 0.3, 0.3, 0.15, 0.1],
    terms: [0.55, 0.3, 0.15], discountMean: 14, discountSd: 7, seats: 80,
  },
  smb: {
    share: 0.65, acvMedianUsd: 8_000, acvSigma: 0.5, winRate: 0.28,
    cycle: [0, 0.5, 0.35, 0.15],
    terms: [0.7, 0.2, 0.1], discountMean: 8, discountSd: 6, seats: 12,
  },
};

export const SEGMENT_LIST: readonly Segment[] = ['enterprise', 'mid_market', 'smb'];

/** Segment mix of opportunities, by what created them. Order follows SEGMENT_LIST. */
export type SegmentMix = [number, number, number];

export interface PaidChannelParams {
  role: Role;
  /** Average monthly spend in USD per 1,000 accounts in the world. */
  budgetPer1k: number;
  /** Year-over-year budget growth factor. */
  growth: number;
  /** Log-normal month-to-month noise of spend. */
  noise: number;
  /** Geometric adstock carry-over. */
  decay: number;
  /** Hill shape. */
  hillAlpha: number;
  /** Hill half-saturation as a multiple of the steady-state adstock of the budget. */
  halfSaturation: number;
  /** Average incremental won ACV per dollar at budget, used to set beta (the truth is computed exactly). */
  targetRoi: number;
  /** Segment mix of the opportunities this channel creates. */
  mix: SegmentMix;
  /** Currency the spend is booked in. */
  currency: string;
}

export const PAID_CHANNELS: Partial<Record<Channel, PaidChannelParams>> = {
  // Brand-heavy search: big budget that follows demand, creates none.
  paid_search: { role: 'harvest', budgetPer1k: 40_000, growth: 1.1, noise: 0.15, decay: 0.2, hillAlpha: 1, halfSaturation: 1, targetRoi: 0, mix: [0.1, 0.32, 0.58], currency: 'USD' },
  paid_social: { role: 'demand', budgetPer1k: 25_000, growth: 1.25, noise: 0.3, decay: 0.3, hillAlpha: 1.6, halfSaturation: 0.9, targetRoi: 1.8, mix: [0.06, 0.3, 0.64], currency: 'USD' },
  display: { role: 'demand', budgetPer1k: 20_000, growth: 0.9, noise: 0.3, decay: 0.35, hillAlpha: 1.3, halfSaturation: 0.6, targetRoi: 0.5, mix: [0.05, 0.25, 0.7], currency: 'USD' },
  webinar: { role: 'demand', budgetPer1k: 8_000, growth: 1.05, noise: 0.35, decay: 0.4, hillAlpha: 1.5, halfSaturation: 1.0, targetRoi: 4.0, mix: [0.15, 0.4, 0.45], currency: 'USD' },
  event: { role: 'demand', budgetPer1k: 30_000, growth: 1.0, noise: 0.2, decay: 0.55, hillAlpha: 1.2, halfSaturation: 1.3, targetRoi: 3.0, mix: [0.3, 0.45, 0.25], currency: 'EUR' },
  content: { role: 'demand', budgetPer1k: 12_000, growth: 1.15, noise: 0.2, decay: 0.6, hillAlpha: 1.0, halfSaturation: 1.0, targetRoi: 2.5, mix: [0.1, 0.35, 0.55], currency: 'USD' },
  partner: { role: 'demand', budgetPer1k: 10_000, growth: 1.1, noise: 0.25, decay: 0.5, hillAlpha: 1.4, halfSaturation: 1.0, targetRoi: 1.2, mix: [0.2, 0.45, 0.35], currency: 'USD' },
};

/** Channels without spend; all of them harvest demand that exists anyway. */
export const UNPAID_HARVEST: readonly Channel[] = ['email', 'organic', 'sdr_outbound'];

/** Flagship events cluster in a few months (Jan..Dec); the mean is 1. */
export const EVENT_CALENDAR = [0.3, 0.5, 2.2, 0.6, 0.8, 2.0, 0.3, 0.2, 1.2, 2.6, 0.9, 0.4];

/** Baseline demand: Q4 high, August low (Jan..Dec). */
export const BASE_SEASONALITY = [0.9, 0.95, 1.05, 1.0, 1.0, 1.05, 0.9, 0.7, 1.0, 1.2, 1.3, 1.25];

export const BASE = {
  /** Baseline new opportunities per month per 1,000 accounts at the window start. */
  oppsPer1k: 50,
  /** Yearly growth of the baseline. */
  growth: 1.12,
  mix: [0.1, 0.32, 0.58] as SegmentMix,
  /** How baseline opportunities come in. */
  marketingShare: 0.7,
  salesOutboundShare: 0.2,
};

/**
 * Renewal is a logistic model of covariates as they stand at the decision
 * (the contract's end date):
 * logit p = intercept + segment + region + usageTrend * trend
 *         + discount * discount_pct + renewals * min(renewals_so_far, 3)
 * where trend is the mean monthly change of log usage over the last 6 months.
 */
export const RENEWAL = {
  intercept: 1.3,
  segment: { enterprise: 0.6, mid_market: 0.3, smb: 0 } as Record<Segment, number>,
  region: { NA: 0, EMEA: 0.2, APAC: -0.3, LATAM: -0.5, '': 0 } as Record<string, number>,
  usageTrend: 30,
  discount: -0.045,
  renewals: 0.55,
  renewalsCap: 3,
};

/**
 * A renewal's price against the contract it renews:
 * acv_next = acv × exp(N(mean + usageTrend × trend, sd)), trend the mean
 * monthly change of log usage over the renewed contract's term (its start
 * month to its end month; the latent process of usage.csv). A seat true-up:
 * a customer whose usage grew over the term pays more at renewal, one whose
 * usage shrank negotiates down.
 */
export const RENEWAL_UPLIFT = { mean: 0.04, usageTrend: 6, sd: 0.08 };

/**
 * Account-level propensity to open opportunities (truth.json
 * `accountPropensity`): an account's weight is
 * industry × region × (seats / its segment's median seats)^seatsElasticity
 * × lognormal(noiseMedian, noiseSigma), and 0 for the `neverBuys` share.
 * Opportunities pick their segment first and then an account of it in
 * proportion to its weight (times the upsell boost below for a customer), so
 * these multipliers decide which accounts of a segment open (and so win)
 * deals, not how many deals a segment gets.
 * An account without an industry takes 1. The noise is narrower than the
 * lognormal(1, 0.8) the weight was before firmographics were planted, so the
 * weights spread not much more than they did (log sd about 0.95 against
 * 0.8): how concentrated deals are on accounts, which the media-mix model's
 * journeys read, stays close to what it was (with the 0.8 noise and the
 * upsell below, its ROI ranking fell below 0.4 on two of the five seeds
 * tests/models/mmm/truth.test.ts reads).
 */
export const ACCOUNT_PROPENSITY = {
  neverBuys: 0.3,
  noiseMedian: 1,
  noiseSigma: 0.6,
  industry: {
    Software: 2.6, 'Financial Services': 2.0, Telecommunications: 1.5, Healthcare: 1.15, 'Professional Services': 1.0,
    Media: 1.0, Retail: 0.8, Manufacturing: 0.7, Logistics: 0.6, Energy: 0.5, Education: 0.4, 'Public Sector': 0.35,
  } as Record<string, number>,
  region: { NA: 1.5, EMEA: 1.0, APAC: 0.7, LATAM: 0.45, '': 0.6 } as Record<string, number>,
  seatsElasticity: 0.6,
  /**
   * Upsell: in each month an account holding a live contract has its weight
   * multiplied by exp(customerUsageTrend × its 6-month usage trend), so a
   * customer whose usage grows opens (and wins) more new deals.
   */
  customerUsageTrend: 20,
};

/** Usage: monthly log-usage slope is account mean + AR(1). */
export const USAGE = { slopeMeanSd: 0.012, slopeMean: 0.004, ar: 0.85, innovationSd: 0.016, noiseSd: 0.06, trendWindow: 6 };

export const REGIONS = ['NA', 'EMEA', 'APAC', 'LATAM', ''] as const;
export const REGION_WEIGHTS = [0.5, 0.28, 0.15, 0.05, 0.02];

export const FX_START: Record<string, number> = { EUR: 1.08, GBP: 1.27, JPY: 0.0068 };
export const FX_VOL: Record<string, number> = { EUR: 0.015, GBP: 0.017, JPY: 0.022 };

export const PRODUCTS = ['Core', 'Analytics', 'Platform', 'Data Cloud'];
export const INDUSTRIES = [
  'Software', 'Financial Services', 'Healthcare', 'Manufacturing', 'Retail', 'Media', 'Education',
  'Logistics', 'Energy', 'Telecommunications', 'Public Sector', 'Professional Services',
];

export interface SegmentPayments {
  /** Net terms: due_at = issued_at + termsDays. */
  termsDays: number;
  /** P(paid after its due date | paid), before the account's usage trend moves it. */
  lateShare: number;
  /** Mean days past due of a late payment (1 + a geometric count: at least a day late). */
  meanLateDays: number;
  /** P(never paid), before the account's usage trend moves it. */
  neverPaidShare: number;
}

/**
 * How invoices are paid (truth.json `payments`). Each invoice is never paid
 * with probability neverPaid, else late with probability late, else paid on
 * a uniform day from 3 days after issue to its due date; a late one is paid
 * 1 + Geometric(1 / meanLateDays) - 1 days past due (mean meanLateDays).
 * Both probabilities move with the account: logit p = logit(share) +
 * usageTrend × (its 6-month usage trend at the issue month − USAGE.slopeMean),
 * so a customer whose usage falls pays later and more often not at all
 * (usageTrend is negative); at the mean trend p is the segment's share.
 */
export const PAYMENTS = {
  bySegment: {
    enterprise: { termsDays: 60, lateShare: 0.35, meanLateDays: 40, neverPaidShare: 0.015 },
    mid_market: { termsDays: 45, lateShare: 0.25, meanLateDays: 25, neverPaidShare: 0.03 },
    smb: { termsDays: 30, lateShare: 0.2, meanLateDays: 15, neverPaidShare: 0.06 },
  } as Record<Segment, SegmentPayments>,
  usageTrend: -25,
  /** Days after issue the earliest payment lands. */
  earliestPaymentDays: 3,
};

/**
 * Time to value (truth.json `timeToValue`): an account's first contract shows
 * zero active users in usage.csv for its first lag months (start month
 * included), lag ~ Poisson(meanLagMonths) drawn from stream "usage-lag";
 * users appear from the start month + lag on. Later contracts start with
 * users already active.
 */
export const TIME_TO_VALUE = {
  bySegment: {
    enterprise: { meanLagMonths: 3 },
    mid_market: { meanLagMonths: 2 },
    smb: { meanLagMonths: 0.5 },
  } as Record<Segment, { meanLagMonths: number }>,
};
