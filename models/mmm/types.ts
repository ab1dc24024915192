/** The media-mix model's input, options, coefficients and fit, and its default settings (the method: index.ts). */
import type { ChannelIdentifiability, IdentifiabilityThresholds } from '../identifiability';

export interface MmmInput {
  /** Consecutive months, ascending, `YYYY-MM`. */
  months: readonly string[];
  /** The outcome per month (units: see unitValue). */
  outcome: readonly number[];
  /** Spend in USD per channel, one value per month. Channels with no spend at all are left out of the model. */
  spend: Readonly<Record<string, readonly number[]>>;
  /** ACV per unit of outcome caused by each channel; default 1 (outcome already in ACV). */
  unitValue?: Readonly<Record<string, number>>;
  /**
   * Standard error of each unitValue when it is a mean over deals (e.g. won
   * ACV per journey opportunity): every bootstrap draw values its channel
   * with its own draw from N(unitValue, se²), floored at 0, so the intervals
   * carry how uncertain the ACV of an opportunity is, not only how many
   * opportunities were caused. Absent or 0: the value is taken as known.
   */
  unitValueSe?: Readonly<Record<string, number>>;
  /** ACV per unit of baseline outcome (for forecasts in ACV); default 1. */
  baselineUnitValue?: number;
  /**
   * Per channel, the monthly count of outcome units (new opportunities) whose
   * touchpoint journey contains the channel (see `mmmSeries`). When given,
   * each channel's effect is also fitted on its own journey series (the
   * stacked model in the module comment of index.ts).
   */
  journeys?: Readonly<Record<string, readonly number[]>>;
}

/** A lift test (experiments.csv): the incremental ACV a channel's spend caused over [start, end] months. */
export interface MmmExperiment {
  channel: string;
  start: string;
  end: string;
  incremental_acv: number;
  stderr: number;
  /**
   * The model and this test disagreed beyond both their intervals (see
   * mmm-calibration.ts): the test decides the channel's effect (its weight is
   * multiplied by TEST_OVERRIDES) instead of being averaged with a model that
   * the test shows to be wrong for this channel.
   */
  overrides?: boolean;
}

/** How much more an overriding test weighs than its precision alone says: enough that the channel's own series barely move it. */
export const TEST_OVERRIDES = 1e4;

export interface MmmOptions {
  decays?: readonly number[];
  /** Half-saturation as multiples of the steady adstock of the channel's mean spend. */
  halfSaturations?: readonly number[];
  shapes?: readonly number[];
  /** Coordinate sweeps over channels when choosing transforms. Default 3. */
  sweeps?: number;
  trend?: boolean;
  seasonality?: 'month' | 'none';
  /** Channel shrinkage (fraction, see the module comment of index.ts). Default 0.1. */
  ridge?: number;
  /** Month-effect shrinkage. Default 0.05: baseline seasonality is large, and a harvest channel whose spend follows it must not take it over. */
  seasonRidge?: number;
  experiments?: readonly MmmExperiment[];
  /** Bootstrap replicates. Default 200; 0 gives point estimates only. */
  bootstrap?: number;
  blockLength?: number;
  seed?: number;
  /** Fix a channel's transform instead of searching (e.g. known from a previous cycle). */
  fixedTransforms?: Readonly<Record<string, ChannelTransform>>;
  /** ACV that attribution credits to each channel, copied beside the incremental estimate. */
  attributedAcv?: Readonly<Record<string, number>>;
  /** Use `input.journeys` when present (default true); false fits the total-outcome equation alone. */
  useJourneys?: boolean;
  /** Re-choose each channel's adstock decay and half-saturation in every bootstrap replicate (default true). */
  bootstrapDecay?: boolean;
  /** When a channel's effect counts as not identified (see identifiability.ts); defaults there. */
  identifiability?: Partial<IdentifiabilityThresholds>;
  /**
   * Beliefs about how much a touch says about cause, averaged over (see the
   * module comment of index.ts): multipliers of the journey level's penalty. Default
   * [0.15, 0.5, 1.5]; the middle one gives the point. Only with journeys.
   */
  touchPriors?: readonly number[];
}

export interface ChannelTransform {
  decay: number;
  /** Half-saturation in USD of adstock. */
  halfSaturation: number;
  shape: number;
}

/** Coefficients of one fit (the point fit or one bootstrap replicate). */
export interface MmmCoefficients {
  intercept: number;
  /** Per year, with t measured from the window's centre. */
  trend: number;
  /** Month-of-year effects, January … December (zeros without seasonality). */
  season: number[];
  /** Outcome units per month at Hill = 1. */
  channel: Record<string, number>;
  /** A bootstrap draw that re-chose the transforms carries its own (and the adstock at the window's last month). */
  transforms?: Record<string, ChannelTransform>;
  lastAdstock?: Record<string, number>;
  /** Index into `MmmFit.touchPriors` of the belief this draw was fitted under (absent: one belief). */
  prior?: number;
  /** A draw's own ACV per unit of each channel (see `MmmInput.unitValueSe`); absent: the fit's. */
  unitValue?: Record<string, number>;
}

export interface Quantiles {
  p2_5: number;
  p10: number;
  p50: number;
  p90: number;
  p97_5: number;
}

export interface MmmChannelResult {
  channel: string;
  /** Spend over the window, USD. */
  spend: number;
  /** Outcome units the window's spend caused inside the window. */
  incrementalUnits: number;
  /** Incremental ACV: outcome with actual spend − outcome with this channel's window spend at zero, valued. */
  incrementalAcv: number;
  incrementalAcvQuantiles: Quantiles;
  /** ACV per dollar = incrementalAcv / spend. */
  roi: number;
  roiQuantiles: Quantiles;
  /** Marginal ROI: extra incremental ACV per extra dollar at +1% spend in every month. */
  mroi: number;
  mroiQuantiles: Quantiles;
  /** ACV attribution credits to the channel, when the caller gave it. */
  attributedAcv: number | null;
  transform: ChannelTransform;
  /** Whether the data can tell this channel's effect apart, and why not; a flagged channel's intervals are widened (see `channelResults`). */
  identifiability: ChannelIdentifiability;
}

export interface MmmFit {
  months: string[];
  channels: string[];
  transforms: Record<string, ChannelTransform>;
  coef: MmmCoefficients;
  /** One per bootstrap replicate. */
  draws: MmmCoefficients[];
  /** The beliefs about touches averaged over (`MmmOptions.touchPriors`), and each one's point fit; absent in fits stored before them. */
  touchPriors?: number[];
  priorPoints?: MmmCoefficients[];
  fitted: number[];
  residuals: number[];
  residualSd: number;
  unitValue: Record<string, number>;
  baselineUnitValue: number;
  /** Adstock of each channel at the last month (where a forecast continues from). */
  lastAdstock: Record<string, number>;
  /** Steady-state carry used at the window start. */
  carry: Record<string, number>;
  /** Window spend per channel, USD. */
  spend: Record<string, number[]>;
  results: MmmChannelResult[];
  trend: boolean;
  seasonality: 'month' | 'none';
  /** Expected incremental ACV per month at a steady monthly spend (vs none), with one value per bootstrap draw. */
  response(channel: string, monthlySpend: number): { mean: number; draws: number[] };
}

export const DEFAULTS = {
  decays: [0, 0.15, 0.3, 0.45, 0.6, 0.75],
  halfSaturations: [0.5, 1, 2],
  shapes: [1, 1.5, 2],
  sweeps: 3,
  ridge: 0.1,
  seasonRidge: 0.05,
  bootstrap: 200,
  blockLength: 3,
  seed: 1,
  touchPriors: [0.15, 0.5, 1.5],
};
