/**
 * Account-based multi-touch attribution of won ACV (first-cut, rule based).
 *
 * The buying group is the account family: every account that rolls up to the
 * same top parent. An opportunity's touches are the family's touches with
 * `occurred_at <= created_at` (a touch never earns revenue from before it
 * happened; `created_at` is a date, i.e. midnight UTC) and no older than the
 * lookback. Ties in time keep input order. Opportunities with no touch in the
 * window are credited to the `(none)` channel so every model's totals
 * reconcile to the won ACV and the number of won deals.
 */
import { DAY_MS, toMs } from './dates';
import { topParentOf } from './graph';

export const ATTRIBUTION_MODELS = ['first', 'last', 'linear', 'time_decay', 'position'] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

/** Channel (and campaign) that takes the credit of a deal with no touch in its window. */
export const NO_TOUCH = '(none)';
/** Campaign key of touches without a campaign_id. */
export const NO_CAMPAIGN = '(no campaign)';

/** A touchpoint row projection. */
export interface AttributionTouch {
  account_id: string;
  channel: string;
  campaign_id: string | null;
  occurred_at: string;
  kind: 'online' | 'offline';
}

/** A won opportunity with its ACV in USD and its account's segment. */
export interface WonOpportunity {
  opportunity_id: string;
  account_id: string;
  created_at: string;
  acv_usd: number;
  segment: string;
}

export interface AttributionOptions {
  /** Touches older than this many days before created_at do not count. Default 180. */
  lookbackDays?: number;
  /** Half-life of the time-decay weight, in days. Default 30. */
  halfLifeDays?: number;
  /** Models to compute. Default all five. */
  models?: readonly AttributionModel[];
}

/** Fractional credit: deals (sum of weights) and ACV. */
export interface Credit {
  conversions: number;
  acv: number;
}

export interface ModelCredit {
  byChannel: Record<string, Credit>;
  byCampaign: Record<string, Credit>;
  /** segment -> channel -> credit. */
  bySegment: Record<string, Record<string, Credit>>;
}

export interface AttributionResult {
  won: { opportunities: number; acv: number };
  /** Won deals with no touch in their window (credited to `(none)`). */
  untouched: { opportunities: number; acv: number };
  models: Partial<Record<AttributionModel, ModelCredit>>;
}

/**
 * Normalised weights of `n` touches (oldest first) under one model.
 * `ageDays[i]` is created_at minus the i-th touch, in days.
 *
 * @example
 * touchWeights('position', [30, 20, 10, 0], 30); // [0.4, 0.1, 0.1, 0.4]
 */
export function touchWeights(model: AttributionModel, ageDays: readonly number[], halfLifeDays = 30): number[] {
  const n = ageDays.length;
  const w = new Array<number>(n).fill(0);
  if (n === 0) return w;
  switch (model) {
    case 'first':
      w[0] = 1;
      break;
    case 'last':
      w[n - 1] = 1;
      break;
    case 'linear':
      w.fill(1 / n);
      break;
    case 'position':
      if (n === 1) w[0] = 1;
      else if (n === 2) w[0] = w[1] = 0.5;
      else {
        w.fill(0.2 / (n - 2));
        w[0] = 0.4;
        w[n - 1] = 0.4;
      }
      break;
    case 'time_decay': {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        w[i] = Math.pow(2, -ageDays[i] / halfLifeDays);
        sum += w[i];
      }
      for (let i = 0; i < n; i++) w[i] /= sum;
      break;
    }
    default:
      throw new RangeError(`unknown attribution model: ${String(model)}`);
  }
  return w;
}

/** Interns strings to dense ints so credit accumulates in typed arrays. */
class Interner {
  readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  id(name: string): number {
    let i = this.ids.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.ids.set(name, i);
      this.names.push(name);
    }
    return i;
  }
}

/** First index in sorted[lo, hi) whose value is >= x. */
function lowerBound(sorted: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in sorted[lo, hi) whose value is > x. */
function upperBound(sorted: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Attribute won ACV to channels, campaigns and segment×channel under rule-based
 * multi-touch models. O((T + O) log T) for T touches and O opportunities.
 *
 * @example
 * const r = attributeWonAcv(
 *   [{ account_id: 'A', channel: 'email', campaign_id: 'c1', occurred_at: '2024-01-01T00:00:00.000Z', kind: 'online' }],
 *   [{ opportunity_id: 'O1', account_id: 'A', created_at: '2024-01-10', acv_usd: 1000, segment: 'smb' }],
 *   new Map([['A', 'A']]),
 * );
 * r.models.linear!.byChannel.email; // { conversions: 1, acv: 1000 }
 */
export function attributeWonAcv(
  touches: readonly AttributionTouch[],
  wonOpportunities: readonly WonOpportunity[],
  rollUp: ReadonlyMap<string, string>,
  options: AttributionOptions = {},
): AttributionResult {
  const lookbackDays = options.lookbackDays ?? 180;
  const halfLifeDays = options.halfLifeDays ?? 30;
  const models = options.models ?? ATTRIBUTION_MODELS;
  if (!(lookbackDays >= 0)) throw new RangeError(`lookbackDays must be >= 0, got ${lookbackDays}`);
  if (!(halfLifeDays > 0)) throw new RangeError(`halfLifeDays must be > 0, got ${halfLifeDays}`);

  const families = new Interner();
  const channels = new Interner();
  const campaigns = new Interner();
  const segments = new Interner();
  channels.id(NO_TOUCH);
  campaigns.id(NO_TOUCH);

  // Bucket touches by family (counting sort), then sort each bucket by time.
  const nT = touches.length;
  const famOf = new Int32Array(nT);
  const timeOf = new Float64Array(nT);
  const chOf = new Int32Array(nT);
  const cmpOf = new Int32Array(nT);
  for (let i = 0; i < nT; i++) {
    const t = touches[i];
    famOf[i] = families.id(topParentOf(rollUp, t.account_id));
    timeOf[i] = toMs(t.occurred_at);
    chOf[i] = channels.id(t.channel);
    cmpOf[i] = campaigns.id(t.campaign_id ?? NO_CAMPAIGN);
  }
  const nF = families.names.length;
  const start = new Int32Array(nF + 1);
  for (let i = 0; i < nT; i++) start[famOf[i] + 1]++;
  for (let f = 0; f < nF; f++) start[f + 1] += start[f];
  const fill = start.slice(0, nF);
  const order = new Int32Array(nT);
  for (let i = 0; i < nT; i++) order[fill[famOf[i]]++] = i;
  for (let f = 0; f < nF; f++) {
    // Stable by input index on ties: indexes enter each bucket ascending.
    order.subarray(start[f], start[f + 1]).sort((a, b) => timeOf[a] - timeOf[b] || a - b);
  }
  const sortedTime = new Float64Array(nT);
  for (let k = 0; k < nT; k++) sortedTime[k] = timeOf[order[k]];

  // Every name is interned before crediting, so credit lives in flat typed arrays.
  const segOf = new Int32Array(wonOpportunities.length);
  wonOpportunities.forEach((o, i) => (segOf[i] = segments.id(o.segment)));
  const nM = models.length;
  const nCh = channels.names.length;
  const nCmp = campaigns.names.length;
  const nSeg = segments.names.length;
  const acc = models.map(() => ({
    chConv: new Float64Array(nCh),
    chAcv: new Float64Array(nCh),
    cmpConv: new Float64Array(nCmp),
    cmpAcv: new Float64Array(nCmp),
    segConv: new Float64Array(nSeg * nCh),
    segAcv: new Float64Array(nSeg * nCh),
    segSeen: new Uint8Array(nSeg * nCh),
    chSeen: new Uint8Array(nCh),
    cmpSeen: new Uint8Array(nCmp),
  }));
  const credit = (a: (typeof acc)[number], ch: number, cmp: number, seg: number, w: number, acv: number) => {
    a.chConv[ch] += w;
    a.chAcv[ch] += w * acv;
    a.chSeen[ch] = 1;
    a.cmpConv[cmp] += w;
    a.cmpAcv[cmp] += w * acv;
    a.cmpSeen[cmp] = 1;
    const k = seg * nCh + ch;
    a.segConv[k] += w;
    a.segAcv[k] += w * acv;
    a.segSeen[k] = 1;
  };

  const lookbackMs = lookbackDays * DAY_MS;
  let wonAcv = 0;
  let untouchedN = 0;
  let untouchedAcv = 0;
  for (let oi = 0; oi < wonOpportunities.length; oi++) {
    const opp = wonOpportunities[oi];
    const acv = opp.acv_usd;
    if (!Number.isFinite(acv)) throw new RangeError(`opportunity ${opp.opportunity_id}: acv_usd is not a number`);
    wonAcv += acv;
    const seg = segOf[oi];
    const created = toMs(opp.created_at);
    const fam = families.ids.get(topParentOf(rollUp, opp.account_id));
    let lo = 0;
    let hi = 0;
    if (fam !== undefined) {
      lo = lowerBound(sortedTime, start[fam], start[fam + 1], created - lookbackMs);
      hi = upperBound(sortedTime, lo, start[fam + 1], created);
    }
    const n = hi - lo;
    if (n === 0) {
      untouchedN += 1;
      untouchedAcv += acv;
      for (let m = 0; m < nM; m++) credit(acc[m], 0, 0, seg, 1, acv);
      continue;
    }
    const ages = new Array<number>(n);
    for (let k = 0; k < n; k++) ages[k] = (created - sortedTime[lo + k]) / DAY_MS;
    for (let m = 0; m < nM; m++) {
      const w = touchWeights(models[m], ages, halfLifeDays);
      for (let k = 0; k < n; k++) {
        if (w[k] === 0) continue;
        const ti = order[lo + k];
        credit(acc[m], chOf[ti], cmpOf[ti], seg, w[k], acv);
      }
    }
  }

  const result: AttributionResult = {
    won: { opportunities: wonOpportunities.length, acv: wonAcv },
    untouched: { opportunities: untouchedN, acv: untouchedAcv },
    models: {},
  };
  for (let m = 0; m < nM; m++) {
    const a = acc[m];
    const byChannel: Record<string, Credit> = {};
    for (let c = 0; c < nCh; c++) if (a.chSeen[c]) byChannel[channels.names[c]] = { conversions: a.chConv[c], acv: a.chAcv[c] };
    const byCampaign: Record<string, Credit> = {};
    for (let c = 0; c < nCmp; c++) if (a.cmpSeen[c]) byCampaign[campaigns.names[c]] = { conversions: a.cmpConv[c], acv: a.cmpAcv[c] };
    const bySegment: Record<string, Record<string, Credit>> = {};
    for (let sg = 0; sg < nSeg; sg++) {
      for (let c = 0; c < nCh; c++) {
        const k = sg * nCh + c;
        if (a.segSeen[k]) (bySegment[segments.names[sg]] ??= {})[channels.names[c]] = { conversions: a.segConv[k], acv: a.segAcv[k] };
      }
    }
    result.models[models[m]] = { byChannel, byCampaign, bySegment };
  }
  return result;
}
