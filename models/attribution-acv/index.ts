/**
 * Account-based multi-touch attribution of new and expansion ACV, every
 * model (heuristic, Markov, Shapley) over the same journeys.
 *
 * Journeys. The buying group of an account is its family: every account with
 * the same top parent. A touch of any family member counts, online or offline.
 * - New business: each closed opportunity is a journey made of the family's
 *   touches with `created_at - lookback <= occurred_at < created_at` (dates
 *   are midnight UTC; a touch on the creation instant or later never counts).
 *   Won opportunities convert with the ACV (USD) of the first contract they
 *   originated (earliest start; the opportunity's amount when it has none);
 *   lost ones are null journeys (Markov needs them); open ones are left out.
 * - Expansion: each renewal (a contract with `previous_contract_id`) is a
 *   journey of the family's touches with `start - lookback <= occurred_at <
 *   start` and strictly after the previous contract's start, so a touch never
 *   earns revenue that began before it. It converts with the uplift
 *   `acv - previous acv` when that is positive, else it is a null journey.
 * Deals with no touch in their window go to the '(none)' channel and campaign
 * under every model, so every model's totals reconcile to the stream's deals
 * and ACV; Markov and Shapley are fitted on the touched journeys only.
 *
 * The attribution agreement (models/attribution-policy.ts) reaches the
 * journeys through the options: `touchFilter` drops touches of kinds or
 * channels that do not count before journeys are built (so they change every
 * model); `positionByRegion` replaces the position weights for deals whose
 * account is in that region; `dealSizeBands` scale each touch's rule-based
 * weight by its channel's multiplier for deals whose ACV falls in the band,
 * then normalise again. Bands and regions change the rule-based models only:
 * Markov and Shapley learn channel credit from the journeys themselves.
 *
 * Breakdowns. Heuristic models credit each touch, so channel, campaign and
 * segment x channel come from the same weights. Markov and Shapley credit
 * channels: per segment they are fitted on that segment's journeys alone;
 * per campaign a channel's credit is split over its campaigns in proportion
 * to the channel's touches in the stream's journeys.
 *
 * Where each part lives: types.ts (input, options, results), journeys.ts
 * (the touch index, a deal's window, the policy's filter and bands,
 * dealJourney), stream.ts (one stream under every model), attribute.ts
 * (attributeAcv).
 */

export { UNKNOWN_SEGMENT, type AcvAttribution, type AcvAttributionInput, type AcvAttributionOptions, type AcvContract, type AcvOpportunity, type DealSizeBand, type StreamAttribution, type TouchFilter, type WindowCredit } from './types';
export { dealJourney, dealSizeBandOf, filterTouches } from './journeys';
export { attributeAcv } from './attribute';
