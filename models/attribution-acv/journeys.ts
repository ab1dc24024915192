/** Journeys: the family's touches indexed by time, a deal's window in them, the policy's touch filter and deal-size bands. */
import { NO_CAMPAIGN, type AttributionTouch, type PositionWeights } from '../attribution';
import { DAY_MS, toMs } from '../../lib/dates';
import { topParentOf } from '../graph';
import type { AcvAttributionInput, AcvAttributionOptions, DealSizeBand, TouchFilter } from './types';

/** Interns strings to dense ints. */
export class Names {
  readonly ids = new Map<string, number>();
  readonly list: string[] = [];
  id(name: string): number {
    let i = this.ids.get(name);
    if (i === undefined) {
      i = this.list.length;
      this.ids.set(name, i);
      this.list.push(name);
    }
    return i;
  }
}

/** First index in sorted[lo, hi) whose value is >= x (or > x when strict). */
export function bound(sorted: Float64Array, lo: number, hi: number, x: number, strict: boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x || (strict && sorted[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A deal's journey: the touches order[lo..hi) of the family index. */
export interface Journey {
  lo: number;
  hi: number;
  refMs: number;
  converted: boolean;
  acv: number;
  segment: number;
  /** Position shares of the deal (its region's, else the policy's). */
  position: PositionWeights;
  /** Multiplier per channel id of the deal's size band, or null outside every band. */
  multipliers: Float64Array | null;
}

/** A new-business deal's touches in the family index: `ref - lookback <= occurred_at < ref`. */
export function newBusinessWindow(idx: TouchIndex, range: readonly [number, number], refMs: number, lookbackMs: number): [number, number] {
  const lo = bound(idx.time, range[0], range[1], refMs - lookbackMs, false);
  return [lo, bound(idx.time, lo, range[1], refMs, false)];
}

/** Keeps the touches the filter counts (the same array when there is no filter). */
export function filterTouches(touches: readonly AttributionTouch[], filter: TouchFilter | undefined): readonly AttributionTouch[] {
  if (!filter) return touches;
  const kinds = filter.kinds ? new Set<string>(filter.kinds) : null;
  const include = filter.includeChannels ? new Set(filter.includeChannels) : null;
  const exclude = new Set(filter.excludeChannels ?? []);
  if (!kinds && !include && exclude.size === 0) return touches;
  return touches.filter((t) => (!kinds || kinds.has(t.kind)) && (!include || include.has(t.channel)) && !exclude.has(t.channel));
}

/** The band a deal of `acv` falls in: the last band whose minimum it reaches (bands sorted by minimum), or -1. */
export function dealSizeBandOf(bands: readonly DealSizeBand[], acv: number): number {
  let found = -1;
  for (let b = 0; b < bands.length; b++) if (acv >= bands[b].minAcvUsd) found = b;
  return found;
}

/** Touches grouped by family and sorted by time within each family. */
export interface TouchIndex {
  start: Int32Array;
  order: Int32Array;
  time: Float64Array;
  families: Names;
  channel: Int32Array;
  campaign: Int32Array;
}

export function indexTouches(touches: readonly AttributionTouch[], topParent: ReadonlyMap<string, string>, channels: Names, campaigns: Names): TouchIndex {
  const families = new Names();
  const n = touches.length;
  const fam = new Int32Array(n);
  const at = new Float64Array(n);
  const channel = new Int32Array(n);
  const campaign = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = touches[i];
    fam[i] = families.id(topParentOf(topParent, t.account_id));
    at[i] = toMs(t.occurred_at);
    channel[i] = channels.id(t.channel);
    campaign[i] = campaigns.id(t.campaign_id ?? NO_CAMPAIGN);
  }
  const nF = families.list.length;
  const start = new Int32Array(nF + 1);
  for (let i = 0; i < n; i++) start[fam[i] + 1]++;
  for (let f = 0; f < nF; f++) start[f + 1] += start[f];
  const fill = start.slice(0, nF);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[fam[i]]++] = i;
  for (let f = 0; f < nF; f++) order.subarray(start[f], start[f + 1]).sort((a, b) => at[a] - at[b] || a - b);
  const time = new Float64Array(n);
  for (let k = 0; k < n; k++) time[k] = at[order[k]];
  return { start, order, time, families, channel, campaign };
}

/**
 * The touches of one new-business deal's journey, oldest first: its family's
 * touches that the filter counts, within the lookback before the
 * opportunity's creation (the journey attributeAcv credits).
 *
 * @example
 * dealJourney(input, 'O', { lookbackDays: 180 }).map((t) => t.channel); // ['event']
 */
export function dealJourney(
  input: Pick<AcvAttributionInput, 'touches' | 'opportunities' | 'topParent'>, opportunityId: string,
  options: Pick<AcvAttributionOptions, 'lookbackDays' | 'touchFilter'> = {},
): AttributionTouch[] {
  const o = input.opportunities.find((x) => x.opportunity_id === opportunityId);
  if (!o) throw new RangeError(`opportunity ${opportunityId} is not in the input`);
  const touches = filterTouches(input.touches, options.touchFilter);
  const idx = indexTouches(touches, input.topParent, new Names(), new Names());
  const f = idx.families.ids.get(topParentOf(input.topParent, o.account_id));
  if (f === undefined) return [];
  const [lo, hi] = newBusinessWindow(idx, [idx.start[f], idx.start[f + 1]], toMs(o.created_at), (options.lookbackDays ?? 180) * DAY_MS);
  return Array.from(idx.order.subarray(lo, hi), (i) => touches[i]);
}
