import type { WindowCredit } from './attribution-acv';
import { shiftMonths } from '../lib/dates';
import { spearman } from './evaluation';

/** Consecutive half-years before the run's month end, oldest first: the periods whose credit is compared. */
export function stabilityWindows(asOf: string, periods = 4, months = 6): { from: string; to: string }[] {
  return Array.from({ length: periods }, (_, k) => {
    const to = shiftMonths(asOf, -(periods - 1 - k) * months);
    return { from: shiftMonths(to, -months), to };
  });
}

export interface AttributionStability {
  /** Spearman of channel credit between each period and the next (channels missing from one side count 0). */
  pairs: { from: string; to: string; spearman: number | null; channels: number }[];
  mean: number | null;
  min: number | null;
  periods: { from: string; to: string; deals: number }[];
}

/**
 * How stable attribution is over time: whether the channels keep their rank
 * from one period to the next. Periods with fewer than `minDeals` won deals,
 * or pairs over fewer than 3 channels, give no comparison rather than noise.
 *
 * @example
 * attributionStability(attributeAcv(input, { windows: stabilityWindows('2026-11-01'), windowModel: 'linear' }).windows);
 */
export function attributionStability(windows: readonly WindowCredit[], minDeals = 10): AttributionStability {
  const pairs: AttributionStability['pairs'] = [];
  for (let k = 1; k < windows.length; k++) {
    const a = windows[k - 1];
    const b = windows[k];
    const channels = [...new Set([...Object.keys(a.byChannel), ...Object.keys(b.byChannel)])].sort();
    const ok = a.deals >= minDeals && b.deals >= minDeals && channels.length >= 3;
    const rho = ok ? spearman(channels.map((c) => a.byChannel[c] ?? 0), channels.map((c) => b.byChannel[c] ?? 0)) : null;
    pairs.push({ from: a.from, to: b.to, spearman: rho !== null && Number.isFinite(rho) ? rho : null, channels: channels.length });
  }
  const values = pairs.map((p) => p.spearman).filter((x): x is number => x !== null);
  return {
    pairs,
    mean: values.length ? values.reduce((s, x) => s + x, 0) / values.length : null,
    min: values.length ? Math.min(...values) : null,
    periods: windows.map((w) => ({ from: w.from, to: w.to, deals: w.deals })),
  };
}
