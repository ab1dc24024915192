/**
 * Engagement with decay, the MQL threshold and the hand-off to sales, as the
 * attribution agreement's `engagement` section defines them
 * (models/attribution-policy.ts). Pure: plain rows in, scores out.
 *
 * A touch weighs `byKind[kind] × (byChannel[channel] ?? 1)` and counts at a
 * time T with `weight × 0.5^(age / halfLifeDays)`, age in (fractional) days
 * from the touch to T, when it happened at or before T and is at most
 * `lookbackDays` old. The score at the as-of date is taken at the end of that
 * day: pass a run's month end (its last day) to score as of the run.
 *
 * The attribution `touchpoints` filter does not apply here: it decides which
 * touches share a deal's credit, while a channel's engagement weight (0 to
 * leave it out) decides what shows interest.
 */
import type { TouchpointRow } from '../../contracts/rows';
import { DAY_MS, monthOf, toMs } from '../../lib/dates';
import type { EngagementPolicy } from '../attribution-policy';

/** The columns of a touch the scores read. */
export type EngagementTouch = Pick<TouchpointRow, 'account_id' | 'contact_id' | 'channel' | 'kind' | 'occurred_at'>;

/** The columns of an opportunity the hand-off reads; `created_at` is a `YYYY-MM-DD` date. */
export interface HandoffOpportunity {
  account_id: string;
  created_at: string;
}

export interface EngagementScores {
  /** account_id -> score at the end of the as-of day (accounts with a touch at or before it, even if it no longer counts). */
  accounts: Map<string, number>;
  /** account_id -> contact_id -> score, for touches that name a contact. */
  contacts: Map<string, Map<string, number>>;
}

/**
 * What sales did with the last MQL crossing: an opportunity of the account
 * was created within `acceptWithinDays` of it (accepted), the window is still
 * open at the as-of date (pending), or it closed without one (not_accepted).
 */
export type Handoff = 'accepted' | 'pending' | 'not_accepted';

export interface AccountMql {
  /** Score at the end of the as-of day. */
  score: number;
  /** score ≥ mqlThreshold. */
  mql: boolean;
  /** Date (UTC) of the touch that last took the score from below the threshold to it or above; null if it never did. */
  mqlAt: string | null;
  /** mqlAt is in the as-of date's month. */
  crossedThisMonth: boolean;
  /** The hand-off of the crossing at mqlAt; null without one. */
  handoff: Handoff | null;
}

/** The weight of a touch under the policy's kind and channel weights. */
export function touchWeight(weights: EngagementPolicy['weights'], kind: EngagementTouch['kind'], channel: string): number {
  return weights.byKind[kind] * (weights.byChannel[channel] ?? 1);
}

/** End of the as-of day in ms: touches before it count, and ages are measured to it. */
function endOfDayMs(asOf: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new RangeError(`the as-of date must be YYYY-MM-DD, got ${JSON.stringify(asOf)}`);
  return toMs(asOf) + DAY_MS;
}

/**
 * Scores of each account, and of each contact of an account, at the end of
 * the as-of day: a direct sum in one pass over the touches, in any order.
 *
 * @example
 * const policy = parseAttributionPolicy({ version: '1.1.0' }, 'inline').policy.engagement; // half-life 45 days
 * engagementScores([{ account_id: 'A', contact_id: 'C1', channel: 'event', kind: 'offline', occurred_at: '2026-09-16T00:00:00.000Z' }], policy, '2026-10-30')
 *   .accounts.get('A'); // 2 × 0.5^(45 / 45) = 1
 */
export function engagementScores(touches: Iterable<EngagementTouch>, policy: EngagementPolicy, asOf: string): EngagementScores {
  const end = endOfDayMs(asOf);
  const oldest = end - policy.lookbackDays * DAY_MS;
  const perDay = -Math.LN2 / policy.halfLifeDays;
  const accounts = new Map<string, number>();
  const contacts = new Map<string, Map<string, number>>();
  for (const t of touches) {
    const at = toMs(t.occurred_at);
    if (at >= end) continue;
    const prior = accounts.get(t.account_id);
    if (at < oldest) {
      if (prior === undefined) accounts.set(t.account_id, 0);
      continue;
    }
    const value = touchWeight(policy.weights, t.kind, t.channel) * Math.exp(perDay * ((end - at) / DAY_MS));
    accounts.set(t.account_id, (prior ?? 0) + value);
    if (t.contact_id === null) continue;
    let byContact = contacts.get(t.account_id);
    if (!byContact) contacts.set(t.account_id, (byContact = new Map()));
    byContact.set(t.contact_id, (byContact.get(t.contact_id) ?? 0) + value);
  }
  return { accounts, contacts };
}

/**
 * Each account's score, MQL flag, last upward crossing of the threshold and
 * its hand-off, as of the end of the as-of day.
 *
 * The touches are grouped by account (a counting sort) and put in time order
 * within it, then walked once with the recursive form
 * S_k = S_{k-1}·0.5^((t_k − t_{k−1})/h) + w_k. Between touches the score only
 * decays, or drops when a touch leaves the lookback, so it crosses upward
 * only at a touch: the walk compares the score just before each touch with
 * the score just after it. The lookback is the same rule at every touch time
 * (a trailing pointer subtracts, decayed, each touch once it is older than
 * lookbackDays), so the score the walk sees at a touch is the direct sum at
 * that moment. Opportunities created after the as-of date are not known yet
 * and are left out.
 *
 * @example
 * const touches = [
 *   { account_id: 'A', contact_id: null, channel: 'event', kind: 'offline', occurred_at: '2026-10-20T00:00:00.000Z' },
 *   { account_id: 'A', contact_id: null, channel: 'webinar', kind: 'offline', occurred_at: '2026-10-25T00:00:00.000Z' },
 * ] as const;
 * // Default policy (offline weighs 2, half-life 45, threshold 3): 2 × 0.5^(5/45) + 2 ≥ 3 on Oct 25.
 * accountMql(touches, [{ account_id: 'A', created_at: '2026-10-28' }], policy, '2026-10-31').get('A');
 * // { score: 2 × 0.5^(12/45) + 2 × 0.5^(7/45) ≈ 3.46, mql: true, mqlAt: '2026-10-25', crossedThisMonth: true, handoff: 'accepted' }
 */
export function accountMql(
  touches: readonly EngagementTouch[], opportunities: Iterable<HandoffOpportunity>, policy: EngagementPolicy, asOf: string,
): Map<string, AccountMql> {
  const end = endOfDayMs(asOf);
  const h = policy.halfLifeDays;
  const lookbackMs = policy.lookbackDays * DAY_MS;
  const threshold = policy.mqlThreshold;

  // Columns of the touches up to the as-of date, accounts numbered in order of first sight.
  const accountIndex = new Map<string, number>();
  const accountIds: string[] = [];
  const n = touches.length;
  const accountOf = new Int32Array(n);
  const timeOf = new Float64Array(n);
  const weightOf = new Float64Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const t = touches[i];
    const at = toMs(t.occurred_at);
    if (at >= end) continue;
    let a = accountIndex.get(t.account_id);
    if (a === undefined) {
      a = accountIds.length;
      accountIndex.set(t.account_id, a);
      accountIds.push(t.account_id);
    }
    accountOf[kept] = a;
    timeOf[kept] = at;
    weightOf[kept] = touchWeight(policy.weights, t.kind, t.channel);
    kept++;
  }

  // Counting sort by account, then time order inside each account's run.
  const accountCount = accountIds.length;
  const start = new Int32Array(accountCount + 1);
  for (let i = 0; i < kept; i++) start[accountOf[i] + 1]++;
  for (let a = 0; a < accountCount; a++) start[a + 1] += start[a];
  const order = new Int32Array(kept);
  const fill = start.slice(0, accountCount);
  for (let i = 0; i < kept; i++) order[fill[accountOf[i]]++] = i;
  const byTime = (x: number, y: number) => timeOf[x] - timeOf[y];
  for (let a = 0; a < accountCount; a++) {
    if (start[a + 1] - start[a] > 1) order.subarray(start[a], start[a + 1]).sort(byTime);
  }

  const decay = (ms: number) => Math.pow(0.5, ms / DAY_MS / h);
  const result = new Map<string, AccountMql>();
  const crossingMs = new Float64Array(accountCount);
  for (let a = 0; a < accountCount; a++) {
    let score = 0;
    let last = 0;
    let crossed = -Infinity;
    let oldest = start[a];
    for (let k = start[a]; k < start[a + 1]; k++) {
      const i = order[k];
      const t = timeOf[i];
      score = k === start[a] ? 0 : score * decay(t - last);
      for (; t - timeOf[order[oldest]] > lookbackMs; oldest++) score -= weightOf[order[oldest]] * decay(t - timeOf[order[oldest]]);
      // An emptied window is exactly 0, not the rounding residue of what was subtracted.
      if (oldest === k || score < 0) score = 0;
      const before = score;
      score += weightOf[i];
      if (before < threshold && score >= threshold) crossed = t;
      last = t;
    }
    // Decay to the end of the as-of day and let go of what the lookback drops by then.
    score *= decay(end - last);
    for (; oldest < start[a + 1] && end - timeOf[order[oldest]] > lookbackMs; oldest++) score -= weightOf[order[oldest]] * decay(end - timeOf[order[oldest]]);
    if (oldest === start[a + 1] || score < 0) score = 0;
    crossingMs[a] = crossed;
    const mqlAt = crossed === -Infinity ? null : new Date(crossed).toISOString().slice(0, 10);
    result.set(accountIds[a], {
      score, mql: score >= threshold, mqlAt,
      crossedThisMonth: mqlAt !== null && monthOf(mqlAt) === monthOf(asOf),
      handoff: mqlAt === null ? null : 'not_accepted',
    });
  }

  // The hand-off: an opportunity created on the crossing's date or within acceptWithinDays after it.
  const within = policy.handoff.acceptWithinDays;
  const asOfDay = toMs(asOf);
  for (const o of opportunities) {
    const a = accountIndex.get(o.account_id);
    if (a === undefined || crossingMs[a] === -Infinity) continue;
    const created = toMs(o.created_at);
    if (created > asOfDay) continue;
    const days = (created - dayStart(crossingMs[a])) / DAY_MS;
    if (days >= 0 && days <= within) result.get(o.account_id)!.handoff = 'accepted';
  }
  for (let a = 0; a < accountCount; a++) {
    const r = result.get(accountIds[a])!;
    if (r.handoff === 'not_accepted' && (asOfDay - dayStart(crossingMs[a])) / DAY_MS < within) r.handoff = 'pending';
  }
  return result;
}

/** Midnight UTC of the day a time falls on. */
function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
