/** One stream (new business or expansion) credited under every model: flat ledgers per channel, campaign and segment. */
import { HEURISTIC_MODELS, TOUCH_MODEL, type HeuristicModel } from '../attribution-heuristics';
import type { PathModel } from '../attribution-paths';
import { NO_TOUCH, reweightTouches, touchWeights, type Credit, type ModelCredit } from '../attribution';
import { DAY_MS } from '../../lib/dates';
import { markovAttribution } from '../markov';
import type { AttributionPath } from '../paths';
import { shapleyAttribution, simplifiedShapleyAttribution } from '../shapley';
import type { StreamAttribution } from './types';
import { type Journey, Names, type TouchIndex } from './journeys';

/** Flat credit accumulators of one model. */
export class Ledger {
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

export function attributeStream(
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
