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
 */
import { HEURISTIC_MODELS, TOUCH_MODEL, type HeuristicModel } from './attribution-heuristics';
import { PATH_MODELS, type PathModel } from './attribution-paths';
import {
  DEFAULT_POSITION_WEIGHTS, NO_CAMPAIGN, NO_TOUCH, reweightTouches, touchWeights,
  type AttributionTouch, type Credit, type ModelCredit, type PositionWeights,
} from './attribution';
import { DAY_MS, toMs } from '../lib/dates';
import { topParentOf } from './graph';
import { markovAttribution } from './markov';
import type { AttributionPath } from './paths';
import { shapleyAttribution, simplifiedShapleyAttribution } from './shapley';

/** An opportunity row projection; `amount_usd` is the fallback value of a won deal without a contract. */
export interface AcvOpportunity {
  opportunity_id: string;
  account_id: string;
  created_at: string;
  stage: 'open' | 'won' | 'lost';
  amount_usd: number;
}

/** A contract row projection with its ACV in USD. */
export interface AcvContract {
  contract_id: string;
  account_id: string;
  opportunity_id: string | null;
  previous_contract_id: string | null;
  start_date: string;
  acv_usd: number;
}

export interface AcvAttributionInput {
  touches: readonly AttributionTouch[];
  opportunities: readonly AcvOpportunity[];
  contracts: readonly AcvContract[];
  /** account_id -> top parent (accounts missing from it are their own family). */
  topParent: ReadonlyMap<string, string>;
  /** account_id -> segment; '(unknown)' when missing. */
  segmentOf?: ReadonlyMap<string, string>;
  /** account_id -> region (for `positionByRegion`); accounts missing from it have no region. */
  regionOf?: ReadonlyMap<string, string>;
}

/** Which touches count: a touch counts when its kind is listed and its channel is included and not excluded. */
export interface TouchFilter {
  kinds?: readonly AttributionTouch['kind'][];
  /** Only these channels count (null or absent: every channel). */
  includeChannels?: readonly string[] | null;
  excludeChannels?: readonly string[];
}

/**
 * Deals whose ACV (the value the deal brings to the stream: first-contract
 * ACV for new business, the uplift for expansion) is at least `minAcvUsd` and
 * below the next band's minimum.
 */
export interface DealSizeBand {
  name: string;
  minAcvUsd: number;
  /** channel -> multiplier of its touches' rule-based weights (absent: 1). */
  channelWeights: Readonly<Record<string, number>>;
}

export interface AcvAttributionOptions {
  /** Touches older than this many days before the deal do not count. Default 180. */
  lookbackDays?: number;
  /** Half-life of the time-decay weight, in days. Default 30. */
  halfLifeDays?: number;
  /** Markov order. Default 1. */
  markovOrder?: number;
  /** Models to compute. Default all of PATH_MODELS. */
  models?: readonly PathModel[];
  /** Touches that count. Default all. */
  touchFilter?: TouchFilter;
  /** Position-based shares. Default 40/20/40. */
  positionWeights?: PositionWeights;
  /** region -> position shares for deals of accounts in that region. */
  positionByRegion?: Readonly<Record<string, PositionWeights>>;
  /** Per-band channel multipliers, by increasing `minAcvUsd`. */
  dealSizeBands?: readonly DealSizeBand[];
  /**
   * Periods ([from, to) by opportunity creation date) whose new business is
   * also credited on its own, under `windowModel` (default the first of
   * `models`): how stable the credit is from one period to the next. The
   * touch index is shared, so a period costs only its own journeys.
   */
  windows?: readonly { from: string; to: string }[];
  windowModel?: PathModel;
}

/** The new-business credit of one period, per channel (ACV). */
export interface WindowCredit { from: string; to: string; deals: number; acv: number; byChannel: Record<string, number> }

/** One revenue stream (new or expansion) under every model. */
export interface StreamAttribution {
  /** Converting journeys and their ACV. */
  conversions: number;
  acv: number;
  /** Journeys that did not convert (lost opportunities, renewals without uplift). */
  nullJourneys: number;
  /** Converting journeys with no touch in their window, credited to '(none)'. */
  untouched: Credit;
  models: Partial<Record<PathModel, ModelCredit>>;
  /** Markov removal effects over the touched journeys (conversions and ACV). */
  removalEffects?: Record<string, number>;
  removalEffectsAcv?: Record<string, number>;
}

export interface AcvAttribution {
  new: StreamAttribution;
  expansion: StreamAttribution;
  /** New business credited per period (options.windows), under one model. */
  windows: WindowCredit[];
  /** Markov removal effects of conversions, per stream. */
  removalEffects: { new?: Record<string, number>; expansion?: Record<string, number> };
}

export const UNKNOWN_SEGMENT = '(unknown)';


/** Interns strings to dense ints. */
class Names {
  readonly ids = new Map<string, number>();
  readonly list: string[] = [];
  id(name: string): number {
    let i = this.ids.get(name);
    if (i === undefined) {
      i = this.list.length;
      this.ids.set(name, i);
      this.list.push(name);
    }
    return i;
  }
}

/** First index in sorted[lo, hi) whose value is >= x (or > x when strict). */
function bound(sorted: Float64Array, lo: number, hi: number, x: number, strict: boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x || (strict && sorted[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A deal's journey: the touches order[lo..hi) of the family index. */
interface Journey {
  lo: number;
  hi: number;
  refMs: number;
  converted: boolean;
  acv: number;
  segment: number;
  /** Position shares of the deal (its region's, else the policy's). */
  position: PositionWeights;
  /** Multiplier per channel id of the deal's size band, or null outside every band. */
  multipliers: Float64Array | null;
}

/** A new-business deal's touches in the family index: `ref - lookback <= occurred_at < ref`. */
function newBusinessWindow(idx: TouchIndex, range: readonly [number, number], refMs: number, lookbackMs: number): [number, number] {
  const lo = bound(idx.time, range[0], range[1], refMs - lookbackMs, false);
  return [lo, bound(idx.time, lo, range[1], refMs, false)];
}

/** Keeps the touches the filter counts (the same array when there is no filter). */
export function filterTouches(touches: readonly AttributionTouch[], filter: TouchFilter | undefined): readonly AttributionTouch[] {
  if (!filter) return touches;
  const kinds = filter.kinds ? new Set<string>(filter.kinds) : null;
  const include = filter.includeChannels ? new Set(filter.includeChannels) : null;
  const exclude = new Set(filter.excludeChannels ?? []);
  if (!kinds && !include && exclude.size === 0) return touches;
  return touches.filter((t) => (!kinds || kinds.has(t.kind)) && (!include || include.has(t.channel)) && !exclude.has(t.channel));
}

/** The band a deal of `acv` falls in: the last band whose minimum it reaches (bands sorted by minimum), or -1. */
export function dealSizeBandOf(bands: readonly DealSizeBand[], acv: number): number {
  let found = -1;
  for (let b = 0; b < bands.length; b++) if (acv >= bands[b].minAcvUsd) found = b;
  return found;
}

/** Touches grouped by family and sorted by time within each family. */
interface TouchIndex {
  start: Int32Array;
  order: Int32Array;
  time: Float64Array;
  families: Names;
  channel: Int32Array;
  campaign: Int32Array;
}

function indexTouches(touches: readonly AttributionTouch[], topParent: ReadonlyMap<string, string>, channels: Names, campaigns: Names): TouchIndex {
  const families = new Names();
  const n = touches.length;
  const fam = new Int32Array(n);
  const at = new Float64Array(n);
  const channel = new Int32Array(n);
  const campaign = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = touches[i];
    fam[i] = families.id(topParentOf(topParent, t.account_id));
    at[i] = toMs(t.occurred_at);
    channel[i] = channels.id(t.channel);
    campaign[i] = campaigns.id(t.campaign_id ?? NO_CAMPAIGN);
  }
  const nF = families.list.length;
  const start = new Int32Array(nF + 1);
  for (let i = 0; i < n; i++) start[fam[i] + 1]++;
  for (let f = 0; f < nF; f++) start[f + 1] += start[f];
  const fill = start.slice(0, nF);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[fam[i]]++] = i;
  for (let f = 0; f < nF; f++) order.subarray(start[f], start[f + 1]).sort((a, b) => at[a] - at[b] || a - b);
  const time = new Float64Array(n);
  for (let k = 0; k < n; k++) time[k] = at[order[k]];
  return { start, order, time, families, channel, campaign };
}

/** Flat credit accumulators of one model. */
class Ledger {
  readonly ch: Float64Array;
  readonly cmp: Float64Array;
  readonly seg: Float64Array;
  constructor(
    readonly nCh: number,
    nCmp: number,
    nSeg: number,
  ) {
    // [conversions, acv, seen] per key.
    this.ch = new Float64Array(nCh * 3);
    this.cmp = new Float64Array(nCmp * 3);
    this.seg = new Float64Array(nSeg * nCh * 3);
  }
  private static put(a: Float64Array, k: number, conv: number, acv: number) {
    a[3 * k] += conv;
    a[3 * k + 1] += acv;
    a[3 * k + 2] = 1;
  }
  channel(ch: number, conv: number, acv: number) {
    Ledger.put(this.ch, ch, conv, acv);
  }
  campaign(cmp: number, conv: number, acv: number) {
    Ledger.put(this.cmp, cmp, conv, acv);
  }
  segment(seg: number, ch: number, conv: number, acv: number) {
    Ledger.put(this.seg, seg * this.nCh + ch, conv, acv);
  }
  toModelCredit(channels: string[], campaigns: string[], segments: string[]): ModelCredit {
    const read = (a: Float64Array, names: string[]) => {
      const out: Record<string, Credit> = {};
      names.forEach((name, k) => {
        if (a[3 * k + 2]) out[name] = { conversions: a[3 * k], acv: a[3 * k + 1] };
      });
      return out;
    };
    const bySegment: Record<string, Record<string, Credit>> = {};
    segments.forEach((s, sg) => {
      const row = read(this.seg.subarray(sg * this.nCh * 3, (sg + 1) * this.nCh * 3), channels);
      if (Object.keys(row).length > 0) bySegment[s] = row;
    });
    return { byChannel: read(this.ch, channels), byCampaign: read(this.cmp, campaigns), bySegment };
  }
}

function attributeStream(
  journeys: readonly Journey[],
  idx: TouchIndex,
  names: { channels: Names; campaigns: Names; segments: Names },
  models: readonly PathModel[],
  halfLifeDays: number,
  markovOrder: number,
): StreamAttribution {
  const { channels, campaigns, segments } = names;
  const noTouch = channels.ids.get(NO_TOUCH)!;
  const noTouchCampaign = campaigns.ids.get(NO_TOUCH)!;
  const nCh = channels.list.length;
  const nCmp = campaigns.list.length;
  const ledgers = models.map(() => new Ledger(nCh, nCmp, segments.list.length));
  const heuristic = models.map((m) => ((HEURISTIC_MODELS as readonly string[]).includes(m) ? TOUCH_MODEL[m as HeuristicModel] : null));
  const pathModels = heuristic.some((h) => h === null);

  let conversions = 0;
  let acvTotal = 0;
  let nullJourneys = 0;
  const untouched: Credit = { conversions: 0, acv: 0 };
  // Channel-sequence aggregates for Markov/Shapley: overall and per segment.
  const seqAll = new Map<string, AttributionPath & { channels: string[] }>();
  const seqBySeg = new Map<number, Map<string, AttributionPath & { channels: string[] }>>();
  // touches of (channel, campaign) in the stream's journeys, for the campaign split.
  const chCmpTouches = new Map<number, Map<number, number>>();
  const addSeq = (m: Map<string, AttributionPath & { channels: string[] }>, key: string, ids: number[], j: Journey) => {
    let p = m.get(key);
    if (!p) m.set(key, (p = { channels: ids.map((c) => channels.list[c]), conversions: 0, value: 0, nulls: 0 }));
    if (j.converted) {
      p.conversions += 1;
      p.value += j.acv;
    } else p.nulls += 1;
  };

  for (const j of journeys) {
    const n = j.hi - j.lo;
    if (j.converted) {
      conversions += 1;
      acvTotal += j.acv;
    } else nullJourneys += 1;
    if (n === 0) {
      if (!j.converted) continue;
      untouched.conversions += 1;
      untouched.acv += j.acv;
      for (const l of ledgers) {
        l.channel(noTouch, 1, j.acv);
        l.campaign(noTouchCampaign, 1, j.acv);
        l.segment(j.segment, noTouch, 1, j.acv);
      }
      continue;
    }
    if (pathModels) {
      const ids = new Array<number>(n);
      for (let k = 0; k < n; k++) {
        const ti = idx.order[j.lo + k];
        ids[k] = idx.channel[ti];
        let m = chCmpTouches.get(ids[k]);
        if (!m) chCmpTouches.set(ids[k], (m = new Map()));
        m.set(idx.campaign[ti], (m.get(idx.campaign[ti]) ?? 0) + 1);
      }
      const key = ids.join(',');
      addSeq(seqAll, key, ids, j);
      let segMap = seqBySeg.get(j.segment);
      if (!segMap) seqBySeg.set(j.segment, (segMap = new Map()));
      addSeq(segMap, key, ids, j);
    }
    if (!j.converted) continue;
    const ages = new Array<number>(n);
    for (let k = 0; k < n; k++) ages[k] = (j.refMs - idx.time[j.lo + k]) / DAY_MS;
    let touchMultipliers: number[] | null = null;
    if (j.multipliers) {
      touchMultipliers = new Array<number>(n);
      for (let k = 0; k < n; k++) touchMultipliers[k] = j.multipliers[idx.channel[idx.order[j.lo + k]]];
    }
    for (let m = 0; m < models.length; m++) {
      const hm = heuristic[m];
      if (hm === null) continue;
      const rule = touchWeights(hm, ages, halfLifeDays, j.position);
      const w = touchMultipliers ? reweightTouches(rule, touchMultipliers) : rule;
      const l = ledgers[m];
      for (let k = 0; k < n; k++) {
        if (w[k] === 0) continue;
        const ti = idx.order[j.lo + k];
        l.channel(idx.channel[ti], w[k], w[k] * j.acv);
        l.campaign(idx.campaign[ti], w[k], w[k] * j.acv);
        l.segment(j.segment, idx.channel[ti], w[k], w[k] * j.acv);
      }
    }
  }

  const result: StreamAttribution = { conversions, acv: acvTotal, nullJourneys, untouched, models: {} };
  const fit = (model: PathModel, paths: AttributionPath[]) => {
    if (model === 'markov') return markovAttribution(paths, { order: markovOrder });
    return { credit: model === 'shapley' ? shapleyAttribution(paths) : simplifiedShapleyAttribution(paths) };
  };
  for (let m = 0; m < models.length; m++) {
    if (heuristic[m] !== null) continue;
    const l = ledgers[m];
    const overall = fit(models[m], [...seqAll.values()]);
    if ('removalEffects' in overall) {
      result.removalEffects = overall.removalEffects;
      result.removalEffectsAcv = overall.removalEffectsValue;
    }
    for (const [name, c] of Object.entries(overall.credit)) {
      const ch = channels.ids.get(name)!;
      l.channel(ch, c.conversions, c.value);
      const mix = chCmpTouches.get(ch)!;
      let total = 0;
      for (const v of mix.values()) total += v;
      for (const [cmp, v] of mix) l.campaign(cmp, (c.conversions * v) / total, (c.value * v) / total);
    }
    for (const [seg, seqs] of seqBySeg) {
      for (const [name, c] of Object.entries(fit(models[m], [...seqs.values()]).credit)) l.segment(seg, channels.ids.get(name)!, c.conversions, c.value);
    }
  }
  models.forEach((m, i) => (result.models[m] = ledgers[i].toModelCredit(channels.list, campaigns.list, segments.list)));
  return result;
}

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

/**
 * The touches of one new-business deal's journey, oldest first: its family's
 * touches that the filter counts, within the lookback before the
 * opportunity's creation (the journey attributeAcv credits).
 *
 * @example
 * dealJourney(input, 'O', { lookbackDays: 180 }).map((t) => t.channel); // ['event']
 */
export function dealJourney(
  input: Pick<AcvAttributionInput, 'touches' | 'opportunities' | 'topParent'>, opportunityId: string,
  options: Pick<AcvAttributionOptions, 'lookbackDays' | 'touchFilter'> = {},
): AttributionTouch[] {
  const o = input.opportunities.find((x) => x.opportunity_id === opportunityId);
  if (!o) throw new RangeError(`opportunity ${opportunityId} is not in the input`);
  const touches = filterTouches(input.touches, options.touchFilter);
  const idx = indexTouches(touches, input.topParent, new Names(), new Names());
  const f = idx.families.ids.get(topParentOf(input.topParent, o.account_id));
  if (f === undefined) return [];
  const [lo, hi] = newBusinessWindow(idx, [idx.start[f], idx.start[f + 1]], toMs(o.created_at), (options.lookbackDays ?? 180) * DAY_MS);
  return Array.from(idx.order.subarray(lo, hi), (i) => touches[i]);
}
