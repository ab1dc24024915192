/** attributeAcv: the journeys of both streams built once and credited under every model (the method: index.ts). */
import { PATH_MODELS } from '../attribution-paths';
import { DEFAULT_POSITION_WEIGHTS, NO_TOUCH } from '../attribution';
import { DAY_MS, toMs } from '../../lib/dates';
import { topParentOf } from '../graph';
import { type AcvAttribution, type AcvAttributionInput, type AcvAttributionOptions, type AcvContract, UNKNOWN_SEGMENT, type WindowCredit } from './types';
import { bound, dealSizeBandOf, filterTouches, indexTouches, type Journey, Names, newBusinessWindow } from './journeys';
import { attributeStream } from './stream';

/**
 * Attributes new and expansion ACV to channels, campaigns and segment x
 * channel under first, last, linear, time-decay, position, Markov (order k)
 * and Shapley (exact and simplified). O((T + D) log T) for T touches and D
 * deals, plus the models' cost on the distinct channel paths.
 *
 * @example
 * const r = attributeAcv({
 *   touches: [{ account_id: 'A', channel: 'event', campaign_id: null, occurred_at: '2024-01-05T00:00:00Z', kind: 'offline' }],
 *   opportunities: [{ opportunity_id: 'O', account_id: 'A', created_at: '2024-02-01', stage: 'won', amount_usd: 0 }],
 *   contracts: [{ contract_id: 'C', account_id: 'A', opportunity_id: 'O', previous_contract_id: null, start_date: '2024-03-01', acv_usd: 1200 }],
 *   topParent: new Map([['A', 'A']]),
 * }, { models: ['linear'] });
 * r.new.models.linear!.byChannel.event; // { conversions: 1, acv: 1200 }
 */
export function attributeAcv(input: AcvAttributionInput, options: AcvAttributionOptions = {}): AcvAttribution {
  const lookbackDays = options.lookbackDays ?? 180;
  const halfLifeDays = options.halfLifeDays ?? 30;
  const markovOrder = options.markovOrder ?? 1;
  const models = options.models ?? PATH_MODELS;
  if (!(lookbackDays >= 0)) throw new RangeError(`lookbackDays must be >= 0, got ${lookbackDays}`);
  if (!(halfLifeDays > 0)) throw new RangeError(`halfLifeDays must be > 0, got ${halfLifeDays}`);
  for (const m of models) if (!(PATH_MODELS as readonly string[]).includes(m)) throw new RangeError(`unknown attribution model "${m}" (models: ${PATH_MODELS.join(', ')})`);
  const position = options.positionWeights ?? DEFAULT_POSITION_WEIGHTS;
  const bands = options.dealSizeBands ?? [];
  for (let b = 1; b < bands.length; b++) {
    if (!(bands[b].minAcvUsd > bands[b - 1].minAcvUsd)) throw new RangeError(`dealSizeBands must be sorted by increasing minAcvUsd (band ${bands[b].name})`);
  }

  const channels = new Names();
  const campaigns = new Names();
  const segments = new Names();
  channels.id(NO_TOUCH);
  campaigns.id(NO_TOUCH);
  const idx = indexTouches(filterTouches(input.touches, options.touchFilter), input.topParent, channels, campaigns);
  const lookbackMs = lookbackDays * DAY_MS;
  const segmentOf = (account: string) => segments.id(input.segmentOf?.get(account) ?? UNKNOWN_SEGMENT);
  const positionOf = (account: string) => {
    const region = input.regionOf?.get(account);
    return (region !== undefined && options.positionByRegion?.[region]) || position;
  };
  // Channel ids are all known once the touches are indexed: one multiplier array per band.
  const bandMultipliers = bands.map((band) => Float64Array.from(channels.list, (ch) => band.channelWeights[ch] ?? 1));
  const multipliersOf = (acv: number) => {
    const b = dealSizeBandOf(bands, acv);
    return b < 0 ? null : bandMultipliers[b];
  };
  const familyRange = (account: string): [number, number] | null => {
    const f = idx.families.ids.get(topParentOf(input.topParent, account));
    return f === undefined ? null : [idx.start[f], idx.start[f + 1]];
  };

  const firstContract = new Map<string, AcvContract>();
  for (const c of input.contracts) {
    if (c.opportunity_id === null) continue;
    const seen = firstContract.get(c.opportunity_id);
    if (!seen || toMs(c.start_date) < toMs(seen.start_date)) firstContract.set(c.opportunity_id, c);
  }
  const newJourneys: Journey[] = [];
  for (const o of input.opportunities) {
    if (o.stage === 'open') continue;
    const ref = toMs(o.created_at);
    const range = familyRange(o.account_id);
    const [lo, hi] = range ? newBusinessWindow(idx, range, ref, lookbackMs) : [0, 0];
    const won = o.stage === 'won';
    const acv = won ? (firstContract.get(o.opportunity_id)?.acv_usd ?? o.amount_usd) : 0;
    if (!Number.isFinite(acv)) throw new RangeError(`opportunity ${o.opportunity_id}: its ACV is not a number`);
    newJourneys.push({ lo, hi, refMs: ref, converted: won, acv, segment: segmentOf(o.account_id), position: positionOf(o.account_id), multipliers: multipliersOf(acv) });
  }

  const byId = new Map(input.contracts.map((c) => [c.contract_id, c]));
  const expansionJourneys: Journey[] = [];
  for (const c of input.contracts) {
    if (c.previous_contract_id === null) continue;
    const prev = byId.get(c.previous_contract_id);
    if (!prev) continue;
    const ref = toMs(c.start_date);
    const range = familyRange(c.account_id);
    let lo = 0;
    let hi = 0;
    if (range) {
      const afterPrev = bound(idx.time, range[0], range[1], toMs(prev.start_date), true);
      lo = Math.max(afterPrev, bound(idx.time, range[0], range[1], ref - lookbackMs, false));
      hi = bound(idx.time, lo, range[1], ref, false);
    }
    const uplift = c.acv_usd - prev.acv_usd;
    if (!Number.isFinite(uplift)) throw new RangeError(`contract ${c.contract_id}: its ACV uplift is not a number`);
    const acv = uplift > 0 ? uplift : 0;
    expansionJourneys.push({ lo, hi, refMs: ref, converted: uplift > 0, acv, segment: segmentOf(c.account_id), position: positionOf(c.account_id), multipliers: multipliersOf(acv) });
  }

  const names = { channels, campaigns, segments };
  const fresh = attributeStream(newJourneys, idx, names, models, halfLifeDays, markovOrder);
  const expansion = attributeStream(expansionJourneys, idx, names, models, halfLifeDays, markovOrder);
  const windowModel = options.windowModel ?? models[0];
  const windows = (options.windows ?? []).map((w): WindowCredit => {
    const from = toMs(w.from);
    const to = toMs(w.to);
    const credit = attributeStream(newJourneys.filter((j) => j.refMs >= from && j.refMs < to), idx, names, [windowModel], halfLifeDays, markovOrder);
    const byChannel = Object.fromEntries(Object.entries(credit.models[windowModel]?.byChannel ?? {}).map(([c, v]) => [c, v.acv]));
    return { from: w.from, to: w.to, deals: credit.conversions, acv: credit.acv, byChannel };
  });
  return { new: fresh, expansion, windows, removalEffects: { new: fresh.removalEffects, expansion: expansion.removalEffects } };
}
