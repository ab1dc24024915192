import { monthFromIndex } from '../lib/dates';
import type { Account } from './accounts';
import { dateString } from './calendar';
import type { Book, UsageProcess } from './contracts';
import { driftTruth } from './drift';
import type { LiftTest } from './experiments';
import type { DropFrame } from './frame';
import { channelTruth, wonAcvPerOpp } from './marketing';
import type { DemandModel } from './marketing';
import { ACCOUNT_PROPENSITY, BASE, RENEWAL, RENEWAL_UPLIFT, SEGMENT_PARAMS, UNPAID_HARVEST, USAGE } from './params';
import type { Channel } from './params';
import type { Payments } from './payments';
import { r4, r6 } from './round';
import type { plantUsageLags } from './usage-lag';
import { knobNames } from './world-knobs';
import type { WorldKnobs } from './world-knobs';

export interface TruthInputs {
  demand: DemandModel;
  visibleSpendUsd: Map<Channel, number>;
  book: Book;
  experiments: LiftTest[] | null;
  accounts: readonly Account[];
  usage: UsageProcess;
  /** Rows written per drop file. */
  rows: Record<string, number>;
  /** How invoices are paid (generator/payments.ts) and how long usage lags a first contract (generator/usage-lag.ts). */
  payments: ReturnType<Payments['truth']>;
  timeToValue: ReturnType<typeof plantUsageLags>;
}

/** truth.json: the planted channels, baseline, segments, monthly series, renewal probabilities, account propensities, payments and time to value, and what the options added. */
export function buildTruth(frame: DropFrame, { demand, visibleSpendUsd, book, experiments, accounts, usage, rows, payments, timeToValue }: TruthInputs) {
  const { seed, months, firstMonth: A0, endMonth, asOfDay, knobs } = frame;
  const n = frame.accountCount;
  const channels: Record<string, unknown> = {};
  for (const ch of demand.channels) {
    const t = channelTruth(demand, ch);
    const spend = visibleSpendUsd.get(ch.channel) ?? 0;
    channels[ch.channel] = {
      spend: Math.round(spend * 100) / 100,
      incrementalAcvPerDollar: spend > 0 ? r6(t.incrementalWonAcvUsd / spend) : 0,
      incrementalAcvPerDollarEventual: spend > 0 ? r6(t.incrementalWonAcvUsdEventual / spend) : 0,
      incrementalWonAcvUsd: Math.round(t.incrementalWonAcvUsd),
      incrementalOpportunities: r6(t.incrementalOpportunities),
      role: ch.params.role,
      currency: ch.params.currency,
      adstockDecay: ch.params.decay,
      hillAlpha: ch.params.hillAlpha,
      halfSaturationUsd: r6(ch.halfSaturationUsd),
      betaOppsPerMonth: r6(ch.beta),
      segmentMix: ch.params.mix,
    };
  }
  const activeContracts: Record<string, number> = {};
  const decided: Record<string, number> = {};
  for (const c of book.contracts) {
    if (c.status === 'active') activeContracts[c.id] = r4(c.probability!);
    else if (c.probability !== null) decided[c.id] = r4(c.probability);
  }
  const monthsList = Array.from({ length: months }, (_, m) => monthFromIndex(A0 + m));
  return {
    seed,
    months: [monthFromIndex(A0), monthFromIndex(endMonth)],
    asOf: dateString(asOfDay),
    accounts: n,
    definitions: {
      incrementalAcvPerDollar:
        '(expected first-year ACV of opportunities created and won inside the window with actual spend - the same with this channel\'s window spend at zero) / the channel\'s window spend in USD; from the expected values of the generating model',
      incrementalAcvPerDollarEventual: 'the same, counting wins that close after the window end too',
      renewalActiveContracts: 'P(renews at its next renewal) for every active contract, from the planted logistic model with covariates at the window end',
      renewalDecided: 'the planted probability that applied when each renewed or churned contract was decided',
      renewalUplift: 'a renewal\'s ACV = the renewed contract\'s ACV × exp(N(mean + usageTrend × trend, sd)), trend the mean monthly change of log usage over the renewed term (start month to end month)',
    },
    channels,
    harvestChannelsWithoutSpend: UNPAID_HARVEST,
    baseline: { oppsPer1kPerMonth: BASE.oppsPer1k, yearlyGrowth: BASE.growth, mix: BASE.mix, marketingShare: BASE.marketingShare, salesOutboundShare: BASE.salesOutboundShare },
    segments: SEGMENT_PARAMS,
    monthly: {
      months: monthsList,
      spendUsd: Object.fromEntries(demand.channels.map((c) => [c.channel, c.spendUsd])),
      expectedOpportunities: {
        baseline: demand.baseline.map(r6),
        ...Object.fromEntries(demand.channels.filter((c) => c.beta > 0).map((c) => [c.channel, c.lambda.map(r6)])),
      },
    },
    renewal: { model: RENEWAL, uplift: RENEWAL_UPLIFT, usage: USAGE, activeContracts, decided },
    accountPropensity: accountTruth(frame, accounts, usage),
    payments,
    timeToValue,
    ...(experiments ? { experiments } : {}),
    ...(frame.drift ? { drift: driftTruth(monthFromIndex(A0 + frame.driftM)) } : {}),
    ...(knobs ? { world: worldTruth(demand, knobs, visibleSpendUsd, [monthFromIndex(A0), monthFromIndex(endMonth)]) } : {}),
    rows,
  };
}

/**
 * truth.json's `world`: the knobs, each paid channel's planted response curve
 * (expected won ACV caused per month by a steady monthly spend s in USD is
 * beta * hill(s / (1 - decay), halfSaturationUsd, hillAlpha) * acvPerOpportunity),
 * and what its window spend caused over the window the cycle estimates (the
 * whole drop: spend from the first month to the last), counting wins closed
 * inside it, the same numbers as `channels`' incrementalWonAcvUsd.
 */
export function worldTruth(demand: DemandModel, knobs: WorldKnobs, visibleSpendUsd: Map<Channel, number>, window: [string, string]) {
  return {
    knobs: { ...knobs, on: knobNames(knobs) },
    window,
    responseCurve: 'monthly caused ACV at steady monthly spend s (USD) = betaOppsPerMonth * hill(s / (1 - adstockDecay), halfSaturationUsd, hillAlpha) * acvPerOpportunity, hill(a, k, alpha) = (a/k)^alpha / (1 + (a/k)^alpha)',
    channels: Object.fromEntries(demand.channels.map((ch) => {
      const t = channelTruth(demand, ch);
      const spend = visibleSpendUsd.get(ch.channel) ?? 0;
      return [ch.channel, {
        causes: ch.beta > 0,
        betaOppsPerMonth: r6(ch.beta),
        adstockDecay: ch.params.decay,
        halfSaturationUsd: r6(ch.halfSaturationUsd),
        hillAlpha: ch.params.hillAlpha,
        acvPerOpportunity: r6(wonAcvPerOpp(ch.params.mix, Infinity)),
        spendUsd: Math.round(spend * 100) / 100,
        causedAcvUsd: Math.round(t.incrementalWonAcvUsd),
        roi: spend > 0 ? r6(t.incrementalWonAcvUsd / spend) : 0,
      }];
    })),
  };
}

/**
 * truth.json's `accountPropensity`: the planted coefficients and, per
 * account, in columns (ids[i] goes with every array's [i]), what was planted:
 * - winWeight: the relative propensity to open (and so win) deals within its
 *   segment, firmographic × lognormal noise, 0 for a never-buyer (a
 *   customer's is boosted month by month by its usage trend, see
 *   opportunities.ts upsellBoost);
 * - firmographic: the multiplier of industry, region and seats alone;
 * - usageSlopeMean: the long-run monthly slope of log usage, the persistent
 *   part of the trend that renewals and their uplift read;
 * - usageTrendAtEnd: the trend renewals read (6-month mean slope) in the
 *   window's last month; the uplift reads the slope over the renewed term.
 * Engagement is planted through the journeys: a deal's touches come 1-150
 * days before it is created, so an account's recent touches precede its deals.
 */
export function accountTruth(frame: DropFrame, accounts: readonly Account[], usage: UsageProcess) {
  const last = frame.months - 1;
  return {
    definitions: {
      winWeight: 'firmographic × lognormal(noiseMedian, noiseSigma), 0 for the neverBuys share: an opportunity of a segment picks an account of it in proportion to this, times exp(customerUsageTrend × its 6-month usage trend that month) while it holds a live contract (upsell)',
      firmographic: 'industry[industry] × region[region] × (seats / segment median seats)^seatsElasticity (no industry: 1)',
      usageSlopeMean: 'the account\'s long-run monthly change of log usage (its AR(1) trend reverts to it)',
      usageTrendAtEnd: 'mean monthly change of log usage over the 6 months to the window\'s last month (the renewal model\'s covariate); a renewal\'s log uplift has mean renewal.uplift.mean + renewal.uplift.usageTrend × the same change over the renewed term',
      engagement: 'each deal\'s journey touches land 1-150 days before it is created (harvest 1-21, cause 15-120), on its account',
    },
    coefficients: ACCOUNT_PROPENSITY,
    uplift: RENEWAL_UPLIFT,
    ids: accounts.map((a) => a.id),
    winWeight: accounts.map((a) => r6(a.weight)),
    firmographic: accounts.map((a) => r6(a.firmographic)),
    usageSlopeMean: accounts.map((a) => r6(usage.means[a.index])),
    usageTrendAtEnd: accounts.map((a) => r6(usage.trend(a.index, last))),
  };
}
