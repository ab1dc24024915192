/**
 * Shapley-value attribution over channel sets.
 *
 * The game: the value v(S) of a coalition S of channels is the conversions
 * (and, as a second game, the value) of the paths whose set of channels is a
 * subset of S; order and repeats inside a path do not matter, null paths add
 * nothing. Exact Shapley enumerates all 2^n coalitions, so it is limited to
 * 15 channels. Zhao et al. (2018, "Shapley value methods for attribution
 * modeling in online advertising") show that for this game
 * phi_j = sum over channel sets S containing j of R(S) / |S|, where R(S) is
 * the conversions of the paths whose channel set is exactly S: the simplified
 * form, linear in the number of paths and without a channel limit.
 */
import type { ChannelCredit } from './attribution-heuristics';
import type { AttributionPath } from './paths';

/** Largest number of channels for exact (subset-enumerating) Shapley. */
export const MAX_EXACT_SHAPLEY_CHANNELS = 15;

/** Distinct channels in order of first appearance. */
function channelsOf(paths: readonly AttributionPath[]): string[] {
  const seen = new Set<string>();
  for (const p of paths) for (const c of p.channels) seen.add(c);
  return [...seen];
}

/**
 * Exact Shapley values of the conversion game and of the value game.
 * O(n 2^n) for n channels; throws a RangeError above 15 channels.
 *
 * @example
 * shapleyAttribution([
 *   { channels: ['a'], conversions: 2, value: 20, nulls: 0 },
 *   { channels: ['a', 'b'], conversions: 2, value: 40, nulls: 3 },
 * ]);
 * // { a: { conversions: 3, value: 40 }, b: { conversions: 1, value: 20 } }
 */
export function shapleyAttribution(paths: readonly AttributionPath[]): Record<string, ChannelCredit> {
  const channels = channelsOf(paths);
  const n = channels.length;
  if (n > MAX_EXACT_SHAPLEY_CHANNELS) {
    throw new RangeError(
      `exact Shapley enumerates 2^n channel coalitions and takes at most ${MAX_EXACT_SHAPLEY_CHANNELS} channels; these paths have ${n}. Use the simplified Shapley (equal for this game) instead`,
    );
  }
  const id = new Map(channels.map((c, i) => [c, i]));
  const size = 1 << n;
  // R(S): conversions and value of the paths whose channel set is exactly S.
  const vConv = new Float64Array(size);
  const vValue = new Float64Array(size);
  for (const p of paths) {
    let mask = 0;
    for (const c of p.channels) mask |= 1 << id.get(c)!;
    vConv[mask] += p.conversions;
    vValue[mask] += p.value;
  }
  // Zeta transform: v(S) = sum of R(T) over T subset of S.
  for (let j = 0; j < n; j++) {
    const bit = 1 << j;
    for (let s = 0; s < size; s++) {
      if (s & bit) {
        vConv[s] += vConv[s ^ bit];
        vValue[s] += vValue[s ^ bit];
      }
    }
  }
  // weight[k] = k! (n-k-1)! / n!, the chance that j joins right after a given k-coalition.
  const weight = new Float64Array(Math.max(1, n));
  for (let k = 0; k < n; k++) {
    let w = 1 / n;
    for (let i = 1; i <= k; i++) w *= i / (n - i);
    weight[k] = w;
  }
  const popcount = new Uint8Array(size);
  for (let s = 1; s < size; s++) popcount[s] = popcount[s >> 1] + (s & 1);
  const credit: Record<string, ChannelCredit> = {};
  for (let j = 0; j < n; j++) {
    const bit = 1 << j;
    let conv = 0;
    let value = 0;
    for (let s = 0; s < size; s++) {
      if (s & bit) continue;
      const w = weight[popcount[s]];
      conv += w * (vConv[s | bit] - vConv[s]);
      value += w * (vValue[s | bit] - vValue[s]);
    }
    credit[channels[j]] = { conversions: conv, value };
  }
  return credit;
}

/**
 * Zhao et al.'s simplified Shapley: each path's conversions and value split
 * equally over its distinct channels. Equal to `shapleyAttribution` for the
 * subset game, with no limit on the number of channels.
 *
 * @example
 * simplifiedShapleyAttribution([{ channels: ['a', 'b', 'a'], conversions: 2, value: 40, nulls: 0 }]);
 * // { a: { conversions: 1, value: 20 }, b: { conversions: 1, value: 20 } }
 */
export function simplifiedShapleyAttribution(paths: readonly AttributionPath[]): Record<string, ChannelCredit> {
  const credit: Record<string, ChannelCredit> = {};
  for (const c of channelsOf(paths)) credit[c] = { conversions: 0, value: 0 };
  for (const p of paths) {
    const set = [...new Set(p.channels)];
    for (const c of set) {
      credit[c].conversions += p.conversions / set.length;
      credit[c].value += p.value / set.length;
    }
  }
  return credit;
}
