/** A fit as stored (JSON) and revived, and what a stored fit still says (identifiability, the series it was fitted on). */
import { assessIdentifiability, type ChannelIdentifiability } from '../identifiability';
import { mmmResponse } from './predict';
import type { MmmFit, MmmInput } from './types';

/** A fit as it is stored (JSON): everything but the `response` closure. */
export type StoredMmm = Omit<MmmFit, 'response'>;

/** What is stored instead of a fit when there was none (see MmmHistoryTooShort). */
export interface MmmUnavailable {
  kind: 'unavailable';
  reason: string;
}

export function isMmmUnavailable(stored: StoredMmm | MmmUnavailable): stored is MmmUnavailable {
  return (stored as MmmUnavailable).kind === 'unavailable';
}

/**
 * A fit without its closure, to store as JSON, and the fit rebuilt from it.
 *
 * @example
 * const again = restoreMmm(JSON.parse(JSON.stringify(storeMmm(fit))));
 * again.response('webinar', 20_000).mean === fit.response('webinar', 20_000).mean; // true
 */
export function storeMmm(fit: MmmFit): StoredMmm {
  const { response: _response, ...data } = fit;
  return data;
}

export function restoreMmm(stored: StoredMmm): MmmFit {
  return { ...stored, response: (channel, spend) => mmmResponse(stored, channel, spend) };
}

/**
 * Each channel's identifiability: as the fit recorded it, or (a fit stored
 * before the flags existed, e.g. an older champion) assessed again from its
 * window spend and chosen decays with the default thresholds.
 */
export function mmmIdentifiability(fit: Pick<MmmFit, 'results' | 'spend' | 'transforms'>): Record<string, ChannelIdentifiability> {
  const recorded = fit.results.filter((r) => r.identifiability).map((r) => [r.channel, r.identifiability] as const);
  if (recorded.length === fit.results.length) return Object.fromEntries(recorded);
  return assessIdentifiability(fit.spend, Object.fromEntries(Object.entries(fit.transforms).map(([c, t]) => [c, t.decay])));
}

/** The series a stored fit was fitted on (outcome = fitted + residuals), e.g. to backtest its specification. */
export function mmmObservedInput(stored: StoredMmm): MmmInput {
  return { months: stored.months, outcome: stored.fitted.map((f, i) => f + stored.residuals[i]), spend: stored.spend };
}
