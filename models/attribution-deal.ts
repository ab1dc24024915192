/**
 * The credit one won opportunity got under one model: what a dispute shows
 * the reviewer next to the complaint.
 *
 * Rule-based models credit each deal's touches, so a deal's credit is its
 * journey's weights (attributeAcv on that one deal gives exactly the share it
 * contributed to the run's totals). Shapley's game is additive over journeys
 * (v(S) counts the journeys whose channel set is within S), so a deal's share
 * is its ACV split equally over its journey's distinct channels, exactly.
 * Markov credits channels, not deals: a deal's share is its ACV split over
 * its journey's distinct channels in proportion to the run's removal effects
 * (the same proportion the run uses for its channel totals).
 */
import { attributeAcv, dealJourney, type AcvAttributionInput, type AcvAttributionOptions } from './attribution-acv';
import type { PathModel } from './attribution-paths';
import type { AttributionTouch, Credit } from './attribution';

export interface DealCredit {
  opportunityId: string;
  model: PathModel;
  /** The deal's ACV (its first contract's, else the opportunity amount). */
  acv: number;
  /** The deal's journey (after the policy's filter and lookback), oldest first; empty when the deal went to '(none)'. */
  journey: Pick<AttributionTouch, 'channel' | 'campaign_id' | 'occurred_at' | 'kind'>[];
  byChannel: Record<string, Credit>;
}

/**
 * Credit of won opportunity `opportunityId` of `input` under `model`.
 * `removalEffects` (channel -> removal effect of new-business conversions)
 * is required for Markov.
 *
 * @example
 * dealCredit(input, 'O1', 'linear', { lookbackDays: 180 });
 * // { opportunityId: 'O1', model: 'linear', acv: 1000, journey: [event, email], byChannel: { event: { conversions: 0.5, acv: 500 }, email: ... } }
 */
export function dealCredit(
  input: AcvAttributionInput, opportunityId: string, model: PathModel, options: Omit<AcvAttributionOptions, 'models'>,
  removalEffects?: Readonly<Record<string, number>>,
): DealCredit {
  const opportunity = input.opportunities.find((o) => o.opportunity_id === opportunityId);
  if (!opportunity) throw new RangeError(`opportunity ${opportunityId} is not in the input`);
  if (opportunity.stage !== 'won') throw new RangeError(`opportunity ${opportunityId} is ${opportunity.stage}: only won deals are credited`);
  const one = { ...input, opportunities: [opportunity], contracts: input.contracts.filter((c) => c.opportunity_id === opportunityId) };
  const journey = dealJourney(one, opportunityId, options)
    .map((t) => ({ channel: t.channel, campaign_id: t.campaign_id, occurred_at: t.occurred_at, kind: t.kind }));
  const stream = attributeAcv(one, { ...options, models: [model === 'markov' ? 'linear' : model] }).new;
  let byChannel = stream.models[model === 'markov' ? 'linear' : model]!.byChannel;
  if (model === 'markov' && journey.length > 0) {
    if (!removalEffects) throw new RangeError("Markov credit of a deal needs the run's removal effects");
    const channels = [...new Set(journey.map((t) => t.channel))];
    const missing = channels.filter((c) => !(c in removalEffects));
    if (missing.length) throw new RangeError(`no removal effect for ${missing.join(', ')}`);
    const total = channels.reduce((s, c) => s + removalEffects[c], 0);
    if (!(total > 0)) throw new RangeError(`the removal effects of ${channels.join(', ')} are all 0: Markov gives this deal no split`);
    byChannel = Object.fromEntries(channels.map((c) => [c, { conversions: removalEffects[c] / total, acv: (stream.acv * removalEffects[c]) / total }]));
  }
  return { opportunityId, model, acv: stream.acv, journey, byChannel };
}
