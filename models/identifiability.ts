/**
 * What the media-mix model cannot know, channel by channel. A regression
 * identifies a channel's effect only from spend that moved on its own; three
 * ways the data can fail to give it that:
 *
 * - collinear: the channel's spend moves with another channel's
 *   (|Pearson r| ≥ `maxCorrelation`, default 0.95, i.e. a variance inflation
 *   factor 1 / (1 − r²) above ~10 for the pair). Two channels whose spend is
 *   a fixed share of one total have r = 1: the data say what they caused
 *   together and nothing about the split (the ridge picks one). r is taken
 *   on the spend as it was and on the spend adstocked at each channel's
 *   chosen decay (the column the model regresses on), the larger of the two:
 *   two decays the fit chose apart can make proportional spend look less
 *   alike, but with one spend pattern the data cannot tell the decays apart
 *   either.
 * - low_variation: monthly spend whose coefficient of variation (sd / mean)
 *   is below `minVariation` (default 0.05): a flat column is the intercept's
 *   twin, so the channel's level effect cannot be told from the baseline's.
 * - short_history: fewer months with spend than `minMonths` (default 6:
 *   the four parameters of its response curve — β, decay, half-saturation,
 *   shape — plus two months of residual, the rule `fitMmm` applies to the
 *   whole window).
 *
 * Pure: spend series and decays in, flags out.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { geometricAdstock } from './adstock';
import { pearson } from './evaluation';

export type IdentifiabilityKind = 'collinear' | 'low_variation' | 'short_history';

export interface IdentifiabilityReason {
  kind: IdentifiabilityKind;
  /** In words, with the number and the threshold, for a reviewer. */
  message: string;
  /** |r| with the closest partner, the coefficient of variation, or the months with spend. */
  value: number;
  threshold: number;
  /** collinear: the channels it moves with (|r| at or above the threshold). */
  channels?: string[];
}

export interface ChannelIdentifiability {
  identified: boolean;
  reasons: IdentifiabilityReason[];
}

export interface IdentifiabilityThresholds {
  maxCorrelation: number;
  minVariation: number;
  minMonths: number;
}

/** Parameters of one channel's response curve: β, adstock decay, half-saturation, Hill shape. */
export const CURVE_PARAMETERS = 4;

export const DEFAULT_IDENTIFIABILITY: IdentifiabilityThresholds = { maxCorrelation: 0.95, minVariation: 0.05, minMonths: CURVE_PARAMETERS + 2 };

/** Sample coefficient of variation (sd with n − 1 over the mean); 0 for a single month or no spend. */
export function coefficientOfVariation(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs as number[]);
  return m > 0 ? sampleStandardDeviation(xs as number[]) / m : 0;
}

const round = (v: number, d: number) => Number(v.toFixed(d));

/**
 * Each channel's identifiability over the window (see the module comment).
 * `decays` are the adstock decays the fit chose (0 when absent); the adstock
 * starts from the mean of the first three months, as the model's does.
 *
 * @example
 * const total = [100, 140, 90, 160, 120, 110, 150, 95];
 * assessIdentifiability({ search: total.map((t) => 0.3 * t), social: total.map((t) => 0.7 * t) }, { search: 0, social: 0 });
 * // search and social: { identified: false, reasons: [{ kind: 'collinear', value: 1, channels: [the other], … }] }
 */
export function assessIdentifiability(spend: Readonly<Record<string, readonly number[]>>, decays: Readonly<Record<string, number>> = {},
  thresholds: Partial<IdentifiabilityThresholds> = {}): Record<string, ChannelIdentifiability> {
  const t = { ...DEFAULT_IDENTIFIABILITY, ...thresholds };
  const channels = Object.keys(spend).sort();
  const adstocked = Object.fromEntries(channels.map((c) => {
    const s = spend[c];
    const carry = s.length ? mean(s.slice(0, 3)) : 0;
    return [c, geometricAdstock(s, decays[c] ?? 0, carry)];
  }));
  const out: Record<string, ChannelIdentifiability> = {};
  for (const c of channels) {
    const reasons: IdentifiabilityReason[] = [];
    const r = channels.filter((o) => o !== c)
      .map((o) => ({ o, r: Math.max(Math.abs(pearson(spend[c], spend[o])), Math.abs(pearson(adstocked[c], adstocked[o]))) }));
    const partners = r.filter((x) => x.r >= t.maxCorrelation).sort((a, b) => b.r - a.r);
    if (partners.length) {
      reasons.push({ kind: 'collinear', value: round(partners[0].r, 4), threshold: t.maxCorrelation, channels: partners.map((p) => p.o),
        message: `spend moves with ${partners.map((p) => `${p.o} (r = ${p.r.toFixed(3)})`).join(', ')}, at or above ${t.maxCorrelation}: ` +
          'the data show what they caused together, not how to split it' });
    }
    const cv = coefficientOfVariation(spend[c]);
    if (cv < t.minVariation) {
      reasons.push({ kind: 'low_variation', value: round(cv, 4), threshold: t.minVariation,
        message: `spend hardly varied (coefficient of variation ${cv.toFixed(3)}, below ${t.minVariation}): its effect cannot be told from the baseline's` });
    }
    const active = spend[c].filter((x) => x > 0).length;
    if (active < t.minMonths) {
      reasons.push({ kind: 'short_history', value: active, threshold: t.minMonths,
        message: `${active} month${active === 1 ? '' : 's'} with spend, fewer than the ${t.minMonths} its response curve needs (${CURVE_PARAMETERS} parameters and 2 to spare)` });
    }
    out[c] = { identified: reasons.length === 0, reasons };
  }
  return out;
}

/**
 * The channels whose effect the data can only give together with c's
 * (c and every channel reachable through collinear flags), sorted.
 */
export function confoundedGroup(flags: Readonly<Record<string, ChannelIdentifiability>>, c: string): string[] {
  const seen = new Set([c]);
  const queue = [c];
  while (queue.length) {
    const x = queue.pop()!;
    for (const reason of flags[x]?.reasons ?? []) {
      for (const o of reason.kind === 'collinear' ? reason.channels ?? [] : []) {
        if (!seen.has(o)) {
          seen.add(o);
          queue.push(o);
        }
      }
    }
  }
  return [...seen].sort();
}
