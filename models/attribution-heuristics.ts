/**
 * Rule-based (heuristic) attribution over aggregated paths.
 *
 * First, last and linear follow ChannelAttribution's `heuristic_models`
 * exactly: first/last credit the path's first/last channel; linear splits a
 * path's conversions (and value) equally over its touches, so a channel that
 * appears twice in a path of four gets 2/4. Position-based and time-decay are
 * not in that package; they are defined per touch as in `touchWeights`:
 * position 40/20/40 (one touch 100%, two touches 50/50), time-decay
 * 2^(-age/halfLife) normalised over the path's touches. A path without
 * `ageDays` uses its position as the age: the last touch is 0 steps old, the
 * one before it 1, ... so with the default half-life of 1 step each earlier
 * touch weighs half the next one.
 */
import { touchWeights, type AttributionModel } from './attribution';
import type { AttributionPath } from './paths';

/** Credit given to one channel: conversions and value (revenue, ACV). */
export interface ChannelCredit {
  conversions: number;
  value: number;
}

export const HEURISTIC_MODELS = ['first', 'last', 'linear', 'time-decay', 'position'] as const;
export type HeuristicModel = (typeof HEURISTIC_MODELS)[number];

/** The touch-weight model behind each heuristic (the path names use ChannelAttribution's spelling). */
export const TOUCH_MODEL: Record<HeuristicModel, AttributionModel> = {
  first: 'first',
  last: 'last',
  linear: 'linear',
  'time-decay': 'time_decay',
  position: 'position',
};

export interface HeuristicOptions {
  /**
   * Half-life of the time-decay weight, in the unit of `ageDays` when paths
   * carry ages (days), else in touch positions. Default 1 (position steps).
   */
  halfLife?: number;
}

/**
 * Weights of a path's touches under a heuristic model (sum 1).
 *
 * @example
 * pathTouchWeights('time-decay', { channels: ['a', 'b', 'c'], conversions: 1, value: 0, nulls: 0 });
 * // [1/7, 2/7, 4/7]: ages 2, 1, 0 steps, half-life 1 step
 */
export function pathTouchWeights(model: HeuristicModel, path: AttributionPath, options: HeuristicOptions = {}): number[] {
  const n = path.channels.length;
  const halfLife = options.halfLife ?? 1;
  if (!(halfLife > 0)) throw new RangeError(`halfLife must be > 0, got ${halfLife}`);
  let ages: readonly number[];
  if (model !== 'time-decay') ages = new Array<number>(n).fill(0);
  else if (path.ageDays) {
    if (path.ageDays.length !== n) throw new RangeError(`ageDays has ${path.ageDays.length} entries for ${n} touches`);
    ages = path.ageDays;
  } else ages = Array.from({ length: n }, (_, i) => n - 1 - i);
  return touchWeights(TOUCH_MODEL[model], ages, halfLife);
}

/**
 * Credit per channel under one heuristic model; channels keep the order in
 * which they first appear in `paths`. Totals equal the paths' conversions and
 * value.
 *
 * @example
 * heuristicAttribution([{ channels: ['a', 'b', 'a'], conversions: 3, value: 30, nulls: 1 }], 'linear');
 * // { a: { conversions: 2, value: 20 }, b: { conversions: 1, value: 10 } }
 */
export function heuristicAttribution(
  paths: readonly AttributionPath[],
  model: HeuristicModel,
  options: HeuristicOptions = {},
): Record<string, ChannelCredit> {
  const credit: Record<string, ChannelCredit> = {};
  for (const p of paths) {
    if (p.channels.length === 0) throw new RangeError('a path must have at least one channel');
    for (const ch of p.channels) credit[ch] ??= { conversions: 0, value: 0 };
    if (p.conversions === 0 && p.value === 0) continue;
    const w = pathTouchWeights(model, p, options);
    for (let i = 0; i < w.length; i++) {
      if (w[i] === 0) continue;
      const c = credit[p.channels[i]];
      c.conversions += w[i] * p.conversions;
      c.value += w[i] * p.value;
    }
  }
  return credit;
}
