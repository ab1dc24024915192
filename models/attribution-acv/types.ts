/** The deals, contracts and options account-based attribution reads, and the credit it reports per stream. */
import type { PathModel } from '../attribution-paths';
import type { AttributionTouch, Credit, ModelCredit, PositionWeights } from '../attribution';

/** An opportunity row projection; `amount_usd` is the fallback value of a won deal without a contract. */
export interface AcvOpportunity {
  opportunity_id: string;
  account_id: string;
  created_at: string;
  stage: 'open' | 'won' | 'lost';
  amount_usd: number;
}

/** A contract row projection with its ACV in USD. */
export interface AcvContract {
  contract_id: string;
  account_id: string;
  opportunity_id: string | null;
  previous_contract_id: string | null;
  start_date: string;
  acv_usd: number;
}

export interface AcvAttributionInput {
  touches: readonly AttributionTouch[];
  opportunities: readonly AcvOpportunity[];
  contracts: readonly AcvContract[];
  /** account_id -> top parent (accounts missing from it are their own family). */
  topParent: ReadonlyMap<string, string>;
  /** account_id -> segment; '(unknown)' when missing. */
  segmentOf?: ReadonlyMap<string, string>;
  /** account_id -> region (for `positionByRegion`); accounts missing from it have no region. */
  regionOf?: ReadonlyMap<string, string>;
}

/** Which touches count: a touch counts when its kind is listed and its channel is included and not excluded. */
export interface TouchFilter {
  kinds?: readonly AttributionTouch['kind'][];
  /** Only these channels count (null or absent: every channel). */
  includeChannels?: readonly string[] | null;
  excludeChannels?: readonly string[];
}

/**
 * Deals whose ACV (the value the deal brings to the stream: first-contract
 * ACV for new business, the uplift for expansion) is at least `minAcvUsd` and
 * below the next band's minimum.
 */
export interface DealSizeBand {
  name: string;
  minAcvUsd: number;
  /** channel -> multiplier of its touches' rule-based weights (absent: 1). */
  channelWeights: Readonly<Record<string, number>>;
}

export interface AcvAttributionOptions {
  /** Touches older than this many days before the deal do not count. Default 180. */
  lookbackDays?: number;
  /** Half-life of the time-decay weight, in days. Default 30. */
  halfLifeDays?: number;
  /** Markov order. Default 1. */
  markovOrder?: number;
  /** Models to compute. Default all of PATH_MODELS. */
  models?: readonly PathModel[];
  /** Touches that count. Default all. */
  touchFilter?: TouchFilter;
  /** Position-based shares. Default 40/20/40. */
  positionWeights?: PositionWeights;
  /** region -> position shares for deals of accounts in that region. */
  positionByRegion?: Readonly<Record<string, PositionWeights>>;
  /** Per-band channel multipliers, by increasing `minAcvUsd`. */
  dealSizeBands?: readonly DealSizeBand[];
  /**
   * Periods ([from, to) by opportunity creation date) whose new business is
   * also credited on its own, under `windowModel` (default the first of
   * `models`): how stable the credit is from one period to the next. The
   * touch index is shared, so a period costs only its own journeys.
   */
  windows?: readonly { from: string; to: string }[];
  windowModel?: PathModel;
}

/** The new-business credit of one period, per channel (ACV). */
export interface WindowCredit { from: string; to: string; deals: number; acv: number; byChannel: Record<string, number> }

/** One revenue stream (new or expansion) under every model. */
export interface StreamAttribution {
  /** Converting journeys and their ACV. */
  conversions: number;
  acv: number;
  /** Journeys that did not convert (lost opportunities, renewals without uplift). */
  nullJourneys: number;
  /** Converting journeys with no touch in their window, credited to '(none)'. */
  untouched: Credit;
  models: Partial<Record<PathModel, ModelCredit>>;
  /** Markov removal effects over the touched journeys (conversions and ACV). */
  removalEffects?: Record<string, number>;
  removalEffectsAcv?: Record<string, number>;
}

export interface AcvAttribution {
  new: StreamAttribution;
  expansion: StreamAttribution;
  /** New business credited per period (options.windows), under one model. */
  windows: WindowCredit[];
  /** Markov removal effects of conversions, per stream. */
  removalEffects: { new?: Record<string, number>; expansion?: Record<string, number> };
}

export const UNKNOWN_SEGMENT = '(unknown)';
