/**
 * Spend plans and the planted demand model: new opportunities per month are
 * Poisson with mean baseline + sum over demand channels of
 * beta * Hill(adstock(spend)). Everything here is a pure function of the
 * parameters and one random stream, so the truth can be computed exactly.
 */
import type { Rng } from './rng';
import { BASE, BASE_SEASONALITY, EVENT_CALENDAR, PAID_CHANNELS, SEGMENT_LIST, SEGMENT_PARAMS } from './params';
import type { Channel, PaidChannelParams, SegmentMix } from './params';
import { worldParams } from './world-knobs';
import type { WorldKnobs } from './world-knobs';

export const PAID: readonly Channel[] = Object.keys(PAID_CHANNELS) as Channel[];

export function paidParams(c: Channel): PaidChannelParams {
  const p = PAID_CHANNELS[c];
  if (!p) throw new Error(`${c} has no spend`);
  return p;
}

export function meanAcvUsd(seg: (typeof SEGMENT_LIST)[number]): number {
  const p = SEGMENT_PARAMS[seg];
  return p.acvMedianUsd * Math.exp((p.acvSigma * p.acvSigma) / 2);
}

/** P(sales cycle <= k months) for each segment. */
function cycleCdf(cycle: number[], k: number): number {
  let s = 0;
  for (let i = 0; i <= Math.min(k, cycle.length - 1); i++) s += cycle[i];
  return s;
}

/**
 * Expected won first-year ACV of one opportunity with this segment mix that is
 * created in window month m, counting only wins closed by the window end
 * (monthsLeft = months after m inside the window); Infinity = eventually.
 */
export function wonAcvPerOpp(mix: SegmentMix, monthsLeft: number): number {
  let v = 0;
  SEGMENT_LIST.forEach((seg, i) => {
    const p = SEGMENT_PARAMS[seg];
    const closed = Number.isFinite(monthsLeft) ? cycleCdf(p.cycle, monthsLeft) : 1;
    v += mix[i] * p.winRate * meanAcvUsd(seg) * closed;
  });
  return v;
}

export function hill(a: number, k: number, alpha: number): number {
  if (a <= 0) return 0;
  const r = Math.pow(a / k, alpha);
  return r / (1 + r);
}

/** Geometric adstock over the window, starting from the steady state of `carry` monthly spend. */
export function adstock(spend: readonly number[], decay: number, carry: number): number[] {
  const out: number[] = [];
  let a = carry / (1 - decay);
  for (const x of spend) {
    a = x + decay * a;
    out.push(a);
  }
  return out;
}

export interface ChannelModel {
  channel: Channel;
  params: PaidChannelParams;
  /** Planted spend in USD per month at world scale. */
  spendUsd: number[];
  /** Opportunities per month at world scale when Hill = 1. */
  beta: number;
  /** Hill half-saturation in USD of adstock at world scale. */
  halfSaturationUsd: number;
  /** Expected opportunities created by this channel per month, actual spend. */
  lambda: number[];
  /** The same with this channel's window spend set to zero (pre-window carry-over stays). */
  lambdaZero: number[];
}

export interface DemandModel {
  months: number;
  scale: number;
  baseline: number[];
  channels: ChannelModel[];
}

/**
 * Monthly spend per paid channel: budget with its own growth, noise, a few
 * campaign bursts, flagship-event months, brand search that follows demand,
 * and two channels paused for a month or two, so the series are not collinear.
 */
export function planSpend(rng: Rng, firstMonth: number, months: number, scale: number, knobs?: WorldKnobs): Map<Channel, number[]> {
  const plan = new Map<Channel, number[]>();
  const eventYearShift: number[] = [];
  // One total that every channel takes a fixed share of (knob sharedBudget): its swings move all series together.
  const totalSwing = knobs?.sharedBudget ? Array.from({ length: months }, () => rng.normal(0, SHARED_TOTAL_NOISE)) : null;
  const varied = !knobs?.sharedBudget && !knobs?.lowVariation;
  for (const c of PAID) {
    const p = worldParams(c, paidParams(c), knobs);
    const series: number[] = [];
    for (let m = 0; m < months; m++) {
      const moy = (firstMonth + m) % 12;
      let x: number;
      if (totalSwing) {
        x = p.budgetPer1k * Math.pow(SHARED_TOTAL_GROWTH, m / 12) * Math.exp(totalSwing[m] + rng.normal(0, SHARED_OWN_NOISE));
      } else {
        x = p.budgetPer1k * Math.pow(p.growth, m / 12);
        // Flagship-event months are variation too: a low-variation world spreads the event budget evenly.
        if (c === 'event' && !knobs?.lowVariation) {
          const year = Math.floor(m / 12);
          if (eventYearShift[year] === undefined) eventYearShift[year] = rng.normal(0, 0.25);
          x *= EVENT_CALENDAR[moy] * Math.exp(eventYearShift[year] * (moy >= 6 ? 1 : -1));
        }
        if (c === 'paid_search') x *= BASE_SEASONALITY[moy];
        x *= Math.exp(rng.normal(-(p.noise * p.noise) / 2, p.noise));
      }
      // Squared, so spend swings more than demand does: the high season gets the money.
      if (knobs?.demandFollowing) x *= Math.pow(BASE_SEASONALITY[moy], c === 'paid_search' && !totalSwing ? 1 : 2);
      series.push(x);
    }
    if (c !== 'paid_search' && varied) {
      const bursts = Math.max(1, Math.round(months / 12));
      for (let b = 0; b < bursts; b++) series[rng.int(0, months - 1)] *= rng.uniform(1.7, 2.8);
    }
    plan.set(c, series);
  }
  const pausable: Channel[] = ['paid_social', 'display', 'content', 'partner', 'webinar'];
  for (let k = 0; k < 2 && months >= 8 && varied; k++) {
    const c = pausable.splice(rng.int(0, pausable.length - 1), 1)[0];
    const start = rng.int(3, months - 3);
    const len = rng.int(1, 2);
    const series = plan.get(c)!;
    for (let m = start; m < Math.min(months, start + len); m++) series[m] = 0;
  }
  for (const series of plan.values()) {
    for (let m = 0; m < months; m++) series[m] = Math.round(series[m] * scale * 100) / 100;
  }
  return plan;
}

/** Knob sharedBudget: the total's month-to-month log swing, its yearly growth, and each channel's own small deviation from its share. */
const SHARED_TOTAL_NOISE = 0.25;
const SHARED_TOTAL_GROWTH = 1.1;
const SHARED_OWN_NOISE = 0.03;

/** Builds the demand model (expected opportunities per month by cause) for a spend plan. */
export function demandModel(spend: Map<Channel, number[]>, firstMonth: number, months: number, scale: number, knobs?: WorldKnobs): DemandModel {
  const baseline: number[] = [];
  for (let m = 0; m < months; m++) {
    const moy = (firstMonth + m) % 12;
    baseline.push(BASE.oppsPer1k * scale * Math.pow(BASE.growth, m / 12) * BASE_SEASONALITY[moy]);
  }
  const channels: ChannelModel[] = [];
  for (const c of PAID) {
    const p = worldParams(c, paidParams(c), knobs);
    const series = spend.get(c)!;
    const budget = p.budgetPer1k * scale;
    const k = p.halfSaturation * (budget / (1 - p.decay));
    let beta = 0;
    if (p.role === 'demand') {
      const steady = hill(budget / (1 - p.decay), k, p.hillAlpha);
      beta = (p.targetRoi * budget) / (steady * wonAcvPerOpp(p.mix, Infinity));
    }
    const a = adstock(series, p.decay, budget);
    const a0 = adstock(series.map(() => 0), p.decay, budget);
    channels.push({
      channel: c,
      params: p,
      spendUsd: series,
      beta,
      halfSaturationUsd: k,
      lambda: a.map((x) => beta * hill(x, k, p.hillAlpha)),
      lambdaZero: a0.map((x) => beta * hill(x, k, p.hillAlpha)),
    });
  }
  return { months, scale, baseline, channels };
}

export interface ChannelTruth {
  incrementalOpportunities: number;
  incrementalWonAcvUsd: number;
  incrementalWonAcvUsdEventual: number;
}

/**
 * The causal effect of a channel over the window, from expected values of the
 * generating process: (expected won first-year ACV with actual spend) minus
 * (the same with the channel's window spend at zero). Only wins that close
 * inside the window count in `incrementalWonAcvUsd`; `...Eventual` counts all.
 */
export function channelTruth(model: DemandModel, ch: ChannelModel): ChannelTruth {
  let opps = 0;
  let acv = 0;
  let acvEventual = 0;
  const eventual = wonAcvPerOpp(ch.params.mix, Infinity);
  for (let m = 0; m < model.months; m++) {
    const d = ch.lambda[m] - ch.lambdaZero[m];
    opps += d;
    acv += d * wonAcvPerOpp(ch.params.mix, model.months - 1 - m);
    acvEventual += d * eventual;
  }
  return { incrementalOpportunities: opps, incrementalWonAcvUsd: acv, incrementalWonAcvUsdEventual: acvEventual };
}

/**
 * The planted truth of a lift test: the expected ACV of the opportunities a
 * channel's spend created inside months [from, to] of the window (outcome with
 * actual spend minus outcome with that spend held out, in those months), each
 * valued at the expected won first-year ACV of the channel's opportunities.
 * Carry-over into later months is not counted, as a holdout read at its end.
 */
export function holdoutTruth(ch: ChannelModel, from: number, to: number): number {
  if (ch.beta === 0) return 0;
  const p = ch.params;
  const held = ch.spendUsd.map((x, m) => (m >= from && m <= to ? 0 : x));
  const budget = ch.halfSaturationUsd / p.halfSaturation * (1 - p.decay);
  const a = adstock(held, p.decay, budget);
  let lost = 0;
  for (let m = from; m <= to; m++) lost += ch.lambda[m] - ch.beta * hill(a[m], ch.halfSaturationUsd, p.hillAlpha);
  return lost * wonAcvPerOpp(p.mix, Infinity);
}
