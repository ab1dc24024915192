/**
 * The rule-based touch weights (first, last, linear, time-decay, position) and
 * the credit types shared by the attribution models; the account-based
 * attribution itself is in attribution-acv.ts, the path-level engine in
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
 * Normalised weights of `n` touches (oldest first) under one model.
 * `ageDays[i]` is created_at minus the i-th touch, in days.
 *
 * @example
 * touchWeights('position', [30, 20, 10, 0], 30); // [0.4, 0.1, 0.1, 0.4]
 */
export function touchWeights(model: AttributionModel, ageDays: readonly number[], halfLifeDays = 30): number[] {
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
      else if (n === 2) w[0] = w[1] = 0.5;
      else {
        w.fill(0.2 / (n - 2));
        w[0] = 0.4;
        w[n - 1] = 0.4;
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
