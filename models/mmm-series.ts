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
import { DAY_MS, monthFromIndex, monthIndex, monthOf, toMs } from './dates';
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
  const paid = new Set(channels);

  const touchesByAccount = new Map<string, { ms: number; channel: string }[]>();
  for (const t of data.touchpoints) {
    if (!paid.has(t.channel)) continue;
    let list = touchesByAccount.get(t.account_id);
    if (!list) touchesByAccount.set(t.account_id, (list = []));
    list.push({ ms: toMs(t.occurred_at), channel: t.channel });
  }
  const lookback = (options.lookbackDays ?? 180) * DAY_MS;
  const endMs = toMs(`${monthFromIndex(hi + 1)}-01`);
  const outcome = new Array<number>(n).fill(0);
  const journeyOpportunities: Record<string, number> = Object.fromEntries(channels.map((c) => [c, 0]));
  const journeyWonAcv: Record<string, number> = Object.fromEntries(channels.map((c) => [c, 0]));
  let wonAll = 0;
  let countAll = 0;
  for (const o of data.opportunities) {
    const m = monthIndex(monthOf(o.created_at)) - lo;
    if (m < 0 || m >= n) continue;
    outcome[m]++;
    const won = o.stage === 'won' && o.closed_at !== null && toMs(o.closed_at) < endMs ? o.amount_usd : 0;
    countAll++;
    wonAll += won;
    const created = toMs(o.created_at);
    const seen = new Set<string>();
    for (const t of touchesByAccount.get(o.account_id) ?? []) {
      if (t.ms < created && t.ms >= created - lookback) seen.add(t.channel);
    }
    for (const c of seen) {
      journeyOpportunities[c]++;
      journeyWonAcv[c] += won;
    }
  }
  const baselineUnitValue = countAll ? wonAll / countAll : 0;
  const unitValue = Object.fromEntries(channels.map((c) => [
    c,
    journeyOpportunities[c] > 0 ? journeyWonAcv[c] / journeyOpportunities[c] : baselineUnitValue,
  ]));
  return { months, outcome, spend, unitValue, baselineUnitValue, journeyOpportunities, journeyWonAcv };
}
