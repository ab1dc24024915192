/**
 * Budget proposal: move spend toward the channels that return the most
 * attributed ACV per dollar, keeping the total fixed and every channel
 * within its guardrails.
 *
 * With a linear objective Σ roi_i x_i, box bounds lo_i ≤ x_i ≤ hi_i and
 * Σ x_i = total, the LP optimum is greedy (a fractional knapsack): start every
 * channel at its minimum and hand the rest out in descending ROI order, each
 * channel up to its maximum. Equal ROIs are filled in channel-name order so a
 * re-run gives the same answer.
 */
import { monthIndex } from './dates';

export interface SpendByMonth {
  month: string;
  channel: string;
  amount_usd: number;
}

/**
 * Mean monthly spend per channel over the `months` months ending at `throughMonth`
 * (inclusive); a missing (month, channel) pair counts as zero spend.
 *
 * @example
 * recentSpend([
 *   { month: '2024-03', channel: 'email', amount_usd: 30 },
 *   { month: '2024-01', channel: 'email', amount_usd: 60 },
 * ], '2024-03'); // { email: 30 }
 */
export function recentSpend(spend: readonly SpendByMonth[], throughMonth: string, months = 3): Record<string, number> {
  const last = monthIndex(throughMonth);
  const first = last - months + 1;
  const totals = new Map<string, number>();
  for (const s of spend) {
    const m = monthIndex(s.month);
    if (!totals.has(s.channel)) totals.set(s.channel, 0);
    if (m >= first && m <= last) totals.set(s.channel, totals.get(s.channel)! + s.amount_usd);
  }
  const out: Record<string, number> = {};
  for (const [ch, t] of [...totals].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[ch] = t / months;
  return out;
}

export interface BudgetChannel {
  channel: string;
  /** Current monthly spend (e.g. from `recentSpend`). */
  current: number;
  /** Attributed ACV per dollar of spend. */
  roi: number;
  /** Keep this channel's spend exactly as it is. */
  locked?: boolean;
}

export interface BudgetOptions {
  /** Largest relative change per channel. Default 0.2. */
  maxChange?: number;
  /** Total to allocate. Default: the current total. */
  total?: number;
}

export type BindingGuardrail = 'max_change_up' | 'max_change_down' | 'locked' | 'zero_spend' | 'none';

export interface BudgetLine {
  channel: string;
  current: number;
  recommended: number;
  change: number;
  roi: number;
  min: number;
  max: number;
  binding: BindingGuardrail;
}

export interface BudgetProposal {
  lines: BudgetLine[];
  total: number;
  /** Σ roi × spend: attributed ACV at the current and the recommended spend. */
  currentReturn: number;
  recommendedReturn: number;
}

/** Raised when no allocation satisfies the guardrails and the total. */
export class InfeasibleBudgetError extends Error {
  override name = 'InfeasibleBudgetError';
}

/**
 * The exact LP optimum of the budget shift under the guardrails.
 *
 * @example
 * const p = proposeBudget([
 *   { channel: 'events', current: 100, roi: 1 },
 *   { channel: 'search', current: 100, roi: 3 },
 * ]);
 * p.lines.map((l) => l.recommended); // [80, 120]
 */
export function proposeBudget(channels: readonly BudgetChannel[], options: BudgetOptions = {}): BudgetProposal {
  const maxChange = options.maxChange ?? 0.2;
  if (!(maxChange >= 0)) throw new RangeError(`maxChange must be >= 0, got ${maxChange}`);
  const seen = new Set<string>();
  for (const c of channels) {
    if (seen.has(c.channel)) throw new RangeError(`channel ${c.channel} is listed twice`);
    seen.add(c.channel);
    if (!(c.current >= 0) || !Number.isFinite(c.current)) throw new RangeError(`channel ${c.channel}: current spend must be a finite number >= 0`);
    if (!Number.isFinite(c.roi)) throw new RangeError(`channel ${c.channel}: roi must be a finite number`);
  }
  const currentTotal = channels.reduce((s, c) => s + c.current, 0);
  const total = options.total ?? currentTotal;

  const bounds = channels.map((c) => {
    if (c.locked) return { min: c.current, max: c.current };
    return { min: c.current * (1 - Math.min(1, maxChange)), max: c.current * (1 + maxChange) };
  });
  const minSum = bounds.reduce((s, b) => s + b.min, 0);
  const maxSum = bounds.reduce((s, b) => s + b.max, 0);
  const eps = 1e-9 * Math.max(1, total);
  if (total < minSum - eps) {
    const locked = channels.filter((c) => c.locked).map((c) => c.channel);
    throw new InfeasibleBudgetError(
      `total budget ${total} is below the sum of the channels' minimums ${minSum} ` +
        `(each at most ${maxChange * 100}% down${locked.length ? `; locked: ${locked.join(', ')}` : ''})`,
    );
  }
  if (total > maxSum + eps) {
    const zero = channels.filter((c) => c.current === 0).map((c) => c.channel);
    const locked = channels.filter((c) => c.locked).map((c) => c.channel);
    throw new InfeasibleBudgetError(
      `total budget ${total} is above the sum of the channels' maximums ${maxSum} ` +
        `(each at most ${maxChange * 100}% up${locked.length ? `; locked: ${locked.join(', ')}` : ''}` +
        `${zero.length ? `; zero spend stays zero: ${zero.join(', ')}` : ''})`,
    );
  }

  const x = bounds.map((b) => b.min);
  let remaining = total - minSum;
  const order = channels
    .map((c, i) => i)
    .sort((a, b) => channels[b].roi - channels[a].roi || (channels[a].channel < channels[b].channel ? -1 : 1));
  for (const i of order) {
    if (remaining <= 0) break;
    const add = Math.min(remaining, bounds[i].max - bounds[i].min);
    x[i] += add;
    remaining -= add;
  }

  const tol = 1e-9 * Math.max(1, total);
  const lines = channels.map((c, i): BudgetLine => {
    const { min, max } = bounds[i];
    let binding: BindingGuardrail = 'none';
    if (c.locked) binding = 'locked';
    else if (c.current === 0) binding = 'zero_spend';
    else if (max - min > tol && x[i] >= max - tol) binding = 'max_change_up';
    else if (max - min > tol && x[i] <= min + tol) binding = 'max_change_down';
    return { channel: c.channel, current: c.current, recommended: x[i], change: x[i] - c.current, roi: c.roi, min, max, binding };
  });
  return {
    lines,
    total,
    currentReturn: channels.reduce((s, c) => s + c.roi * c.current, 0),
    recommendedReturn: channels.reduce((s, c, i) => s + c.roi * x[i], 0),
  };
}
