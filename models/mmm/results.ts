/** What a fit reports per channel: incremental ACV, ROI and marginal ROI with their intervals, pooled over the beliefs. */
import { confoundedGroup, type ChannelIdentifiability } from '../identifiability';
import { sum, transformed } from './design';
import type { ChannelTransform, MmmChannelResult, MmmCoefficients, MmmFit, Quantiles } from './types';

/** Quantile by linear interpolation between order statistics (type 7, as R and numpy default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Interval of a non-negative quantity around its point estimate: the
 * bootstrap draws' quantiles shifted so their median sits on the point
 * (p50 = point), floored at 0. Why shifted: each replicate refits data
 * simulated from the (ridge-shrunk) point fit, so the draws carry the
 * shrinkage twice and their raw percentiles sit below the point, which on
 * the demo world put the point outside its own interval. Shifting keeps the
 * draws' spread and puts the point inside its interval by construction.
 */
export function quantiles(values: readonly number[], point: number): Quantiles {
  if (!values.length) return { p2_5: point, p10: point, p50: point, p90: point, p97_5: point };
  const s = [...values].sort((a, b) => a - b);
  const shift = point - quantile(s, 0.5);
  const q = (p: number) => Math.max(0, quantile(s, p) + shift);
  return { p2_5: q(0.025), p10: q(0.1), p50: point, p90: q(0.9), p97_5: q(0.975) };
}

/** Incremental outcome units of a channel over the window for a spend multiplier (0 = switched off in the window). */
export function windowUnits(fit: Pick<MmmFit, 'spend' | 'carry'>, c: string, t: ChannelTransform, beta: number, multiplier: number): number {
  const s = fit.spend[c];
  const base = transformed(s, t, fit.carry[c]);
  const other = transformed(s.map((x) => x * multiplier), t, fit.carry[c]);
  return beta * (sum(base) - sum(other));
}

/**
 * Draw values of a quantity, each belief's draws shifted so that their median
 * sits on that belief's point (as `quantiles` does for one belief: a
 * replicate refits data simulated from a shrunk fit, so it carries the
 * shrinkage twice). Pooled, they spread over what the beliefs disagree on
 * as well as the sampling noise of each. A fit with one belief is returned as is.
 */
export function overBeliefs(fit: Pick<MmmFit, 'draws' | 'priorPoints'>, values: readonly number[], value: (d: MmmCoefficients) => number): number[] {
  const points = fit.priorPoints;
  if (!points?.length) return [...values];
  const shift = points.map((p, s) => {
    const own = values.filter((_, k) => fit.draws[k].prior === s).sort((a, b) => a - b);
    return own.length ? value(p) - quantile(own, 0.5) : 0;
  });
  return values.map((v, k) => v + (shift[fit.draws[k].prior ?? -1] ?? 0));
}

export function channelResults(fit: Omit<MmmFit, 'results' | 'response'>, attributed: Readonly<Record<string, number>> | undefined,
  identifiability: Readonly<Record<string, ChannelIdentifiability>>): MmmChannelResult[] {
  const tr = (c: string, d: MmmCoefficients) => d.transforms?.[c] ?? fit.transforms[c];
  const inc = (c: string, d: MmmCoefficients) => windowUnits(fit, c, tr(c, d), d.channel[c], 0) * (d.unitValue?.[c] ?? fit.unitValue[c]);
  // Each belief's draws are first centred on that belief's own point (see `overBeliefs`).
  const pooled = (value: (d: MmmCoefficients) => number) => overBeliefs(fit, fit.draws.map(value), value);
  const drawsInc = Object.fromEntries(fit.channels.map((c) => [c, pooled((d) => inc(c, d))]));
  const pointInc = Object.fromEntries(fit.channels.map((c) => [c, inc(c, fit.coef)]));
  return fit.channels.map((c) => {
    const spend = sum(fit.spend[c]);
    // +1% spend in every month: marginal ACV per marginal dollar.
    const marginal = (d: MmmCoefficients) => (-windowUnits(fit, c, tr(c, d), d.channel[c], 1.01) * (d.unitValue?.[c] ?? fit.unitValue[c])) / (0.01 * spend);
    const incrementalAcv = pointInc[c];
    const flags = identifiability[c] ?? { identified: true, reasons: [] };
    const own = quantiles(drawsInc[c], incrementalAcv);
    // What the data support for a channel they cannot separate: see `unidentifiedInterval`.
    const group = confoundedGroup(identifiability, c);
    const together = group.length > 1
      ? quantiles(fit.draws.map((_, k) => sum(group.map((g) => drawsInc[g][k]))), sum(group.map((g) => pointInc[g])))
      : null;
    const incQ = flags.identified ? own : unidentifiedInterval(own, together);
    const perDollar = (q: Quantiles): Quantiles => (spend > 0
      ? { p2_5: q.p2_5 / spend, p10: q.p10 / spend, p50: q.p50 / spend, p90: q.p90 / spend, p97_5: q.p97_5 / spend }
      : { p2_5: 0, p10: 0, p50: 0, p90: 0, p97_5: 0 });
    const mroiOwn = quantiles(pooled(marginal), marginal(fit.coef));
    return {
      channel: c,
      spend,
      incrementalUnits: windowUnits(fit, c, fit.transforms[c], fit.coef.channel[c], 0),
      incrementalAcv,
      incrementalAcvQuantiles: incQ,
      roi: spend > 0 ? incrementalAcv / spend : 0,
      roiQuantiles: flags.identified ? quantiles(drawsInc[c].map((x) => (spend > 0 ? x / spend : 0)), spend > 0 ? incrementalAcv / spend : 0) : perDollar(incQ),
      mroi: marginal(fit.coef),
      mroiQuantiles: flags.identified ? mroiOwn : unidentifiedInterval(mroiOwn, null),
      attributedAcv: attributed?.[c] ?? null,
      transform: fit.transforms[c],
      identifiability: flags,
    };
  });
}

/**
 * The interval of a channel the data cannot separate, never narrower than
 * the bootstrap's and widened to what the data can support:
 * - the lower ends go to 0: whatever the reason (moved with another channel,
 *   hardly moved, too few months), the data cannot rule out that the channel
 *   caused nothing — its share of the effect may belong to the partner, the
 *   baseline or the months it ran in;
 * - for collinear channels the upper ends become at least those of the
 *   group's combined effect (the draws summed channel by channel, each draw
 *   with the same months): the data measure what the group caused together
 *   and could give all of it to this channel.
 * The bootstrap alone cannot show this: every replicate resamples the same
 * collinear spend, so the ridge splits the effect the same way each time and
 * the interval comes out narrow around an arbitrary split.
 * A flat or short channel's upper end stays the bootstrap's: the bound the
 * data allow there (the whole baseline) says nothing a reader can use, and
 * the flag says why the interval cannot be trusted.
 */
export function unidentifiedInterval(own: Quantiles, together: Quantiles | null): Quantiles {
  return {
    p2_5: 0,
    p10: 0,
    p50: own.p50,
    p90: Math.max(own.p90, together?.p90 ?? 0),
    p97_5: Math.max(own.p97_5, together?.p97_5 ?? 0),
  };
}
