/** A fit's response curves and its predictions for the months after the window. */
import { geometricAdstock, hillSaturation, steadyAdstock } from '../adstock';
import { monthFromIndex, monthIndex } from '../../lib/dates';
import { layoutOf, sum } from './design';
import type { ChannelTransform, MmmCoefficients, MmmFit } from './types';

/**
 * Expected incremental ACV per month of a channel at a steady monthly spend
 * (against no spend): β_c · Hill(spend / (1 − d_c)) · unitValue_c, for the
 * point fit (`mean`) and for every bootstrap draw (`draws`, same order as
 * `fit.draws`). This is the response curve the budget optimiser consumes;
 * it works on a fit revived from JSON too.
 *
 * @example
 * const r = mmmResponse(fit, 'webinar', 20_000);
 * r.mean;                 // ACV per month at $20k/month
 * r.draws.length;         // fit.draws.length
 */
export function mmmResponse(fit: Pick<MmmFit, 'coef' | 'draws' | 'transforms' | 'unitValue'>, channel: string, monthlySpend: number): { mean: number; draws: number[] } {
  const t = fit.transforms[channel];
  if (!t) return { mean: 0, draws: fit.draws.map(() => 0) };
  const hill = (tr: ChannelTransform) => hillSaturation(steadyAdstock(monthlySpend, tr.decay), tr.halfSaturation, tr.shape);
  const h = hill(t);
  return { mean: fit.coef.channel[channel] * h * fit.unitValue[channel],
    draws: fit.draws.map((d) => d.channel[channel] * (d.transforms ? hill(d.transforms[channel]) : h) * (d.unitValue?.[channel] ?? fit.unitValue[channel])) };
}

export interface MmmPrediction {
  months: string[];
  /** Outcome units per month. */
  units: number[];
  /** Valued: baseline units × baselineUnitValue + channel units × unitValue. */
  acv: number[];
  /** Baseline (intercept, trend, season) units per month. */
  baselineUnits: number[];
  /** Units caused by each channel per month (its whole adstocked spend, including carry-over from the window). */
  channelUnits: Record<string, number[]>;
}

/** Future spend per channel, USD per month from the month after the window; a missing channel spends 0. */
export interface SpendPlan {
  spend: Readonly<Record<string, readonly number[]>>;
}

/**
 * Predicted outcome for the months after the fitted window under a spend
 * plan, with the point coefficients or one draw. Adstock continues from the
 * window's last month; trend and month effects extrapolate.
 *
 * @example
 * const p = predictMmm(fit, { spend: { webinar: [20_000, 20_000, 20_000] } }, 3);
 * p.months; // the three months after fit.months
 */
export function predictMmm(fit: Pick<MmmFit, 'months' | 'channels' | 'coef' | 'transforms' | 'lastAdstock' | 'unitValue' | 'baselineUnitValue' | 'trend' | 'seasonality'>,
  plan: SpendPlan, horizon: number, coef: MmmCoefficients = fit.coef): MmmPrediction {
  const n = fit.months.length;
  const last = monthIndex(fit.months[n - 1]);
  const layout = layoutOf(fit.months, fit.channels, fit.trend, fit.seasonality === 'month');
  const months: string[] = [];
  const baselineUnits: number[] = [];
  for (let h = 0; h < horizon; h++) {
    const mi = last + 1 + h;
    months.push(monthFromIndex(mi));
    const t = n + h;
    baselineUnits.push(coef.intercept + (layout.trend ? coef.trend * ((t - (n - 1) / 2) / 12) : 0) + coef.season[mi % 12]);
  }
  const channelUnits: Record<string, number[]> = {};
  for (const c of fit.channels) {
    // A bootstrap draw that re-chose the transforms continues from its own adstock.
    const tr = coef.transforms?.[c] ?? fit.transforms[c];
    const last = coef.lastAdstock?.[c] ?? fit.lastAdstock[c];
    const s = Array.from({ length: horizon }, (_, h) => plan.spend[c]?.[h] ?? 0);
    // geometricAdstock starts from carry / (1 − d); this carry makes a_{-1} the window's last adstock.
    const a = geometricAdstock(s, tr.decay, last * (1 - tr.decay));
    channelUnits[c] = a.map((x) => coef.channel[c] * hillSaturation(x, tr.halfSaturation, tr.shape));
  }
  const units = baselineUnits.map((b, h) => b + sum(fit.channels.map((c) => channelUnits[c][h])));
  const acv = baselineUnits.map((b, h) => b * fit.baselineUnitValue + sum(fit.channels.map((c) => channelUnits[c][h] * fit.unitValue[c])));
  return { months, units, acv, baselineUnits, channelUnits };
}
