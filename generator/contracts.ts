/**
 * Contracts and their renewal chains. At each end date a contract renews with
 * a planted logistic probability (RENEWAL in params.ts) of its covariates at
 * that moment, at a price whose uplift grows with the usage trend over the
 * renewed term (RENEWAL_UPLIFT); the usage trend comes from the same latent
 * process that usage.csv is drawn from.
 */
import type { Rng } from './rng';
import type { Account } from './accounts';
import { addMonths } from './calendar';
import { RENEWAL, RENEWAL_UPLIFT, SEGMENT_LIST, SEGMENT_PARAMS, USAGE } from './params';

/** A contract of the synthetic world, with what was planted for it (`Contract` names a data contract). */
export interface PlantedContract {
  id: string;
  account: number;
  opportunityId: string | null;
  previousId: string | null;
  product: string | null;
  startDay: number;
  endDay: number;
  term: number;
  acvUsd: number;
  /** The discount the renewal model sees (the export may blank it). */
  discount: number;
  discountShown: boolean;
  costRatio: number | null;
  renewalsSoFar: number;
  status: 'active' | 'renewed' | 'churned' | 'expired';
  /** Planted probability used at the decision (renewed/churned), or of the next renewal (active). */
  probability: number | null;
}

/**
 * Latent monthly slope of log usage per account, from 6 months before the
 * window to its end: account mean + AR(1).
 */
export class UsageProcess {
  readonly span: number;
  readonly slopes: Float64Array;
  /** Each account's long-run mean slope, the part of its trend that persists (truth.json records it). */
  readonly means: Float64Array;

  constructor(rng: Rng, accounts: number, months: number) {
    this.span = months + USAGE.trendWindow;
    this.slopes = new Float64Array(accounts * this.span);
    this.means = new Float64Array(accounts);
    const stationarySd = USAGE.innovationSd / Math.sqrt(1 - USAGE.ar * USAGE.ar);
    for (let a = 0; a < accounts; a++) {
      const mean = rng.normal(USAGE.slopeMean, USAGE.slopeMeanSd);
      this.means[a] = mean;
      let dev = rng.normal(0, stationarySd);
      for (let t = 0; t < this.span; t++) {
        this.slopes[a * this.span + t] = mean + dev;
        dev = USAGE.ar * dev + rng.normal(0, USAGE.innovationSd);
      }
    }
  }

  /** Slope in window month m (m may go down to -trendWindow). */
  slope(account: number, m: number): number {
    return this.slopes[account * this.span + m + USAGE.trendWindow];
  }

  /** Mean slope over window months from..to (inclusive), `from` clamped to the first month the process holds: a term's usage trend. */
  meanSlope(account: number, from: number, to: number): number {
    const a = Math.max(from, -USAGE.trendWindow);
    let s = 0;
    for (let m = a; m <= to; m++) s += this.slope(account, m);
    return s / (to - a + 1);
  }

  /** Mean monthly change of log usage over the trendWindow months ending with window month m. */
  trend(account: number, m: number): number {
    let s = 0;
    for (let k = 0; k < USAGE.trendWindow; k++) s += this.slope(account, m - k);
    return s / USAGE.trendWindow;
  }
}

export function renewalProbability(account: Account, trend: number, discount: number, renewalsSoFar: number): number {
  const seg = SEGMENT_LIST[account.segment];
  const z =
    RENEWAL.intercept +
    RENEWAL.segment[seg] +
    (RENEWAL.region[account.region] ?? 0) +
    RENEWAL.usageTrend * trend +
    RENEWAL.discount * discount +
    RENEWAL.renewals * Math.min(renewalsSoFar, RENEWAL.renewalsCap);
  return 1 / (1 + Math.exp(-z));
}

/**
 * The mean log uplift of a renewal's ACV over the contract it renews, for
 * the mean monthly slope of log usage over the renewed term (params.ts
 * RENEWAL_UPLIFT).
 *
 * @example
 * upliftMean(0.01); // 0.04 + 6 × 0.01 = 0.10
 */
export function upliftMean(trend: number): number {
  return RENEWAL_UPLIFT.mean + RENEWAL_UPLIFT.usageTrend * trend;
}

export function drawTerm(rng: Rng, segment: number): number {
  return [12, 24, 36][rng.weighted(SEGMENT_PARAMS[SEGMENT_LIST[segment]].terms)];
}

export function drawDiscount(rng: Rng, segment: number): number {
  const p = SEGMENT_PARAMS[SEGMENT_LIST[segment]];
  return Math.round(Math.min(40, Math.max(0, rng.normal(p.discountMean, p.discountSd))) * 10) / 10;
}

export interface Book {
  contracts: PlantedContract[];
  /** Window month index of a day. */
  windowMonth(day: number): number;
  asOfDay: number;
}

/** Appends a contract and, while its end date has passed, its renewals (or its churn). */
export function addChain(
  book: Book,
  rng: Rng,
  usage: UsageProcess,
  accounts: readonly Account[],
  first: Omit<PlantedContract, 'id' | 'status' | 'probability' | 'previousId' | 'renewalsSoFar'>,
): void {
  const width = 7;
  const nextId = () => `CTR-${String(book.contracts.length + 1).padStart(width, '0')}`;
  let c: PlantedContract = { ...first, id: nextId(), previousId: null, renewalsSoFar: 0, status: 'active', probability: null };
  const account = accounts[c.account];
  for (;;) {
    book.contracts.push(c);
    if (c.endDay > book.asOfDay) {
      const last = book.windowMonth(book.asOfDay);
      c.status = 'active';
      c.probability = renewalProbability(account, usage.trend(c.account, last), c.discount, c.renewalsSoFar);
      return;
    }
    const t = book.windowMonth(c.endDay);
    const p = renewalProbability(account, usage.trend(c.account, t), c.discount, c.renewalsSoFar);
    const renews = rng.chance(p);
    // A few contracts that just ended still wait for paperwork: neither renewed nor churned yet.
    if (book.asOfDay - c.endDay < 30 && rng.chance(0.35)) {
      c.status = 'expired';
      return;
    }
    c.probability = p;
    if (!renews) {
      c.status = 'churned';
      return;
    }
    c.status = 'renewed';
    const term = rng.chance(0.65) ? c.term : 12;
    const startDay = c.endDay;
    const next: PlantedContract = {
      id: nextId(),
      account: c.account,
      opportunityId: null,
      previousId: c.id,
      product: c.product,
      startDay,
      endDay: addMonths(startDay, term),
      term,
      acvUsd: c.acvUsd * Math.exp(rng.normal(upliftMean(usage.meanSlope(c.account, book.windowMonth(c.startDay), t)), RENEWAL_UPLIFT.sd)),
      discount: Math.round(Math.min(40, Math.max(0, c.discount + rng.normal(-1, 4))) * 10) / 10,
      discountShown: rng.chance(0.93),
      costRatio: c.costRatio === null ? null : Math.min(0.6, Math.max(0.05, c.costRatio * Math.exp(rng.normal(0, 0.1)))),
      renewalsSoFar: c.renewalsSoFar + 1,
      status: 'active',
      probability: null,
    };
    c = next;
  }
}

