/**
 * The rule-based touch weights (first, last, linear, time-decay, position) and
 * the credit types shared by the attribution models; the account-based
 * attribution itself is in attribution-acv/, the path-level engine in
 * attribution-paths.ts.
 */

export const ATTRIBUTION_MODELS = ['first', 'last', 'linear', 'time_decay', 'position'] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

/** Channel (and campaign) that takes the credit of a deal with no touch in its window. */
export const NO_TOUCH = '(none)';
/** Campaign key of touches without a campaign_id. */
export const NO_CAMPAIGN = '(no campaign)';

/** A touchpoint row projection. */
export interface AttributionTouch {
  account_id: string;
  channel: string;
  campaign_id: string | null;
  occurred_at: string;
  kind: 'online' | 'offline';
}

/** Fractional credit: deals (sum of weights) and ACV. */
export interface Credit {
  conversions: number;
  acv: number;
}

export interface ModelCredit {
  byChannel: Record<string, Credit>;
  byCampaign: Record<string, Credit>;
  /** segment -> channel -> credit. */
  bySegment: Record<string, Record<string, Credit>>;
}


/**
 * Shares of a position-based (U-shaped) split: the first touch, all middle
 * touches together, the last touch (sum 1).
 */
export interface PositionWeights {
  first: number;
  middle: number;
  last: number;
}

export const DEFAULT_POSITION_WEIGHTS: PositionWeights = { first: 0.4, middle: 0.2, last: 0.4 };

/**
 * Normalised weights of `n` touches (oldest first) under one model.
 * `ageDays[i]` is created_at minus the i-th touch, in days. Position: one
 * touch takes all; two touches split first : last (50/50 under 40/20/40);
 * from three on, the middle share is split equally over the middle touches.
 *
 * @example
 * touchWeights('position', [30, 20, 10, 0], 30); // [0.4, 0.1, 0.1, 0.4]
 */
export function touchWeights(
  model: AttributionModel, ageDays: readonly number[], halfLifeDays = 30, position: PositionWeights = DEFAULT_POSITION_WEIGHTS,
): number[] {
  const n = ageDays.length;
  const w = new Array<number>(n).fill(0);
  if (n === 0) return w;
  switch (model) {
    case 'first':
      w[0] = 1;
      break;
    case 'last':
      w[n - 1] = 1;
      break;
    case 'linear':
      w.fill(1 / n);
      break;
    case 'position':
      if (n === 1) w[0] = 1;
      else if (n === 2) {
        w[0] = position.first / (position.first + position.last);
        w[1] = position.last / (position.first + position.last);
      } else {
        w.fill(position.middle / (n - 2));
        w[0] = position.first;
        w[n - 1] = position.last;
      }
      break;
    case 'time_decay': {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        w[i] = Math.pow(2, -ageDays[i] / halfLifeDays);
        sum += w[i];
      }
      for (let i = 0; i < n; i++) w[i] /= sum;
      break;
    }
    default:
      throw new RangeError(`unknown attribution model: ${String(model)}`);
  }
  return w;
}

/**
 * Touch weights scaled by a multiplier per touch and normalised again to 1:
 * a multiplier of 2 makes a touch count twice as much as it would beside
 * touches of multiplier 1. A weight of 0 stays 0, so first and last touch are
 * unchanged by any multipliers.
 *
 * @example
 * reweightTouches([1 / 3, 1 / 3, 1 / 3], [1, 3, 1]); // [0.2, 0.6, 0.2]
 */
export function reweightTouches(weights: readonly number[], multipliers: readonly number[]): number[] {
  let sum = 0;
  const out = weights.map((w, i) => {
    const v = w * multipliers[i];
    sum += v;
    return v;
  });
  return sum > 0 ? out.map((v) => v / sum) : out;
}
