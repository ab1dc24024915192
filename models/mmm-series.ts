/**
 * The monthly series the media-mix model is fitted on, built from a drop's
 * accepted rows, and how it uses the touchpoint journeys.
 *
 * Outcome: new opportunities by creation month. Why not won ACV directly?
 * A month's won ACV is a handful of wins of log-normal size (an enterprise
 * deal is worth twenty SMB ones), so its noise swamps a channel's effect;
 * an opportunity count is Poisson, several times less noisy relative to its
 * mean, and it is what marketing spend moves first. Counting by creation
 * month (not close month) keeps the lag between spend and outcome short and
 * lets adstock carry it.
 *
 * Journeys turn counts into ACV: a channel's opportunities differ in size
 * (events bring enterprise deals, display brings SMB), so each channel gets
 * its own ACV per opportunity, `unitValue`, = won ACV / count over the
 * opportunities whose account was touched by the channel in the
 * `lookbackDays` before the opportunity was created. Wins count as closed by
 * the end of the data, like the in-window incremental ACV a user can check.
 * The journey says which deals a channel is near (their value); the
 * regression on spend says how many of them the spend caused (the count);
 * so harvest channels that touch everything still get no credit unless the
 * total count moves with their spend.
 */
import { DAY_MS, monthFromIndex, monthIndex, monthOf, toMs } from '../lib/dates';
import type { MmmInput } from './mmm';

export interface MmmOpportunity {
  account_id: string;
  created_at: string;
  closed_at: string | null;
  stage: 'open' | 'won' | 'lost';
  amount_usd: number;
}

export interface MmmTouch {
  account_id: string;
  channel: string;
  occurred_at: string;
}

export interface MmmSpend {
  month: string;
  channel: string;
  amount_usd: number;
}

export interface MmmSeriesOptions {
  /** First and last month of the window (YYYY-MM); default the span of the spend rows. */
  from?: string;
  to?: string;
  /** Touches this many days before creation count as the opportunity's journey. Default 180. */
  lookbackDays?: number;
}

export interface MmmSeries extends MmmInput {
  /** Per spend channel, new opportunities per month whose journey includes the channel (the journey equations of `fitMmm`). */
  journeys: Record<string, number[]>;
  /** Opportunities in the window whose journey includes each spend channel. */
  journeyOpportunities: Record<string, number>;
  /** Won ACV (closed by the window end) of those opportunities. */
  journeyWonAcv: Record<string, number>;
}

/**
 * Monthly opportunity counts, USD spend per channel and journey-based ACV
 * per opportunity, ready for `fitMmm`.
 *
 * @example
 * const s = mmmSeries({ opportunities, touchpoints, spend }, { from: '2023-11', to: '2026-10' });
 * fitMmm(s, { bootstrap: 200, seed: 1 });
 */
export function mmmSeries(
  data: { opportunities: readonly MmmOpportunity[]; touchpoints: readonly MmmTouch[]; spend: readonly MmmSpend[] },
  options: MmmSeriesOptions = {},
): MmmSeries {
  const spendMonths = data.spend.map((s) => monthIndex(s.month));
  if (!spendMonths.length && (!options.from || !options.to)) throw new RangeError('no spend rows and no from/to window');
  const lo = options.from ? monthIndex(options.from) : Math.min(...spendMonths);
  const hi = options.to ? monthIndex(options.to) : Math.max(...spendMonths);
  const n = hi - lo + 1;
  const months = Array.from({ length: n }, (_, i) => monthFromIndex(lo + i));
  const spend: Record<string, number[]> = {};
  for (const s of data.spend) {
    const m = monthIndex(s.month) - lo;
    if (m < 0 || m >= n) continue;
    (spend[s.channel] ??= new Array<number>(n).fill(0))[m] += s.amount_usd;
  }
  const channels = Object.keys(spend).filter((c) => spend[c].some((x) => x > 0));

  // Touches of paid channels per account, as parallel arrays sorted by time, so each opportunity's
  // lookback window is two binary searches (1M touches and 300k opportunities take about a second).
  const channelIndex = new Map(channels.map((c, i) => [c, i]));
  const byAccount = new Map<string, { ms: number[]; ch: number[] }>();
  {
    const raw = new Map<string, [number, number][]>();
    for (const t of data.touchpoints) {
      const ci = channelIndex.get(t.channel);
      if (ci === undefined) continue;
      let list = raw.get(t.account_id);
      if (!list) raw.set(t.account_id, (list = []));
      list.push([toMs(t.occurred_at), ci]);
    }
    for (const [a, list] of raw) {
      list.sort((x, y) => x[0] - y[0]);
      byAccount.set(a, { ms: list.map((x) => x[0]), ch: list.map((x) => x[1]) });
    }
  }
  const lowerBound = (xs: readonly number[], v: number) => {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const lookback = (options.lookbackDays ?? 180) * DAY_MS;
  const endMs = toMs(`${monthFromIndex(hi + 1)}-01`);
  const outcome = new Array<number>(n).fill(0);
  const opps = new Array<number>(channels.length).fill(0);
  const wonAcv = new Array<number>(channels.length).fill(0);
  const wonAcvSq = new Array<number>(channels.length).fill(0);
  const monthly = channels.map(() => new Array<number>(n).fill(0));
  const seen = new Uint8Array(channels.length);
  let wonAll = 0;
  let countAll = 0;
  for (const o of data.opportunities) {
    const m = monthIndex(monthOf(o.created_at)) - lo;
    if (m < 0 || m >= n) continue;
    outcome[m]++;
    const won = o.stage === 'won' && o.closed_at !== null && toMs(o.closed_at) < endMs ? o.amount_usd : 0;
    countAll++;
    wonAll += won;
    const touches = byAccount.get(o.account_id);
    if (!touches) continue;
    const created = toMs(o.created_at);
    seen.fill(0);
    const stop = lowerBound(touches.ms, created);
    for (let i = lowerBound(touches.ms, created - lookback); i < stop; i++) seen[touches.ch[i]] = 1;
    for (let c = 0; c < channels.length; c++) {
      if (!seen[c]) continue;
      opps[c]++;
      wonAcv[c] += won;
      wonAcvSq[c] += won * won;
      monthly[c][m]++;
    }
  }
  const journeyOpportunities: Record<string, number> = Object.fromEntries(channels.map((c, i) => [c, opps[i]]));
  const journeyWonAcv: Record<string, number> = Object.fromEntries(channels.map((c, i) => [c, wonAcv[i]]));
  const journeys: Record<string, number[]> = Object.fromEntries(channels.map((c, i) => [c, monthly[i]]));
  const baselineUnitValue = countAll ? wonAll / countAll : 0;
  const unitValue = Object.fromEntries(channels.map((c) => [
    c,
    journeyOpportunities[c] > 0 ? journeyWonAcv[c] / journeyOpportunities[c] : baselineUnitValue,
  ]));
  // The standard error of each mean: a few hundred deals of very different sizes make it uncertain (fitMmm draws it).
  const unitValueSe = Object.fromEntries(channels.map((c, i) => {
    const k = opps[i];
    if (k < 2) return [c, 0];
    const mean = wonAcv[i] / k;
    return [c, Math.sqrt(Math.max(0, (wonAcvSq[i] - k * mean * mean) / (k - 1)) / k)];
  }));
  return { months, outcome, spend, unitValue, unitValueSe, baselineUnitValue, journeys, journeyOpportunities, journeyWonAcv };
}
