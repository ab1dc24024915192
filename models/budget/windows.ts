/** Each channel's spend window from its guardrails, and the conflicts that make a plan impossible, named in dollars. */
import { InfeasibleBudgetError, type BudgetConflict, type ChannelResponse, type ChannelWindow, type LowerLimitSource, type SpendBound, type UpperLimitSource, DEFAULT_UNIDENTIFIED_MAX_CHANGE } from './types';

/** "$1,234.5" for messages. */
export function usd(v: number): string {
  const r = Math.round(v * 100) / 100;
  return `${r < 0 ? '-' : ''}$${Math.abs(r).toLocaleString('en-US', { maximumFractionDigits: 2 })}`;
}

export const pct = (f: number) => `${Number((f * 100).toFixed(4))}%`;

export function resolveBound(b: SpendBound, current: number, channel: string, what: string): number {
  const v = typeof b === 'number' ? b : b.timesCurrent * current;
  if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`channel ${channel}: ${what} must resolve to a finite USD amount >= 0, got ${v}`);
  return v;
}

/**
 * A channel's spend window: the tightest of its min, max and max-change
 * limits (locked: exactly current). The window may be empty (lower > upper);
 * `optimizeBudget` reports that as a conflict.
 *
 * @example
 * channelWindow({ channel: 'event', current: 100, response: (x) => x, guardrails: { min: { timesCurrent: 0.9 }, maxChange: 0.2 } });
 * // { channel: 'event', lower: 90, upper: 120, lowerBy: 'min', upperBy: 'max_change_up', maxChange: 0.2, unidentifiedStep: null }
 */
export function channelWindow(c: ChannelResponse, defaultMaxChange?: number, unidentifiedMaxChange = DEFAULT_UNIDENTIFIED_MAX_CHANGE): ChannelWindow {
  const g = c.guardrails ?? {};
  const maxChange = g.maxChange ?? defaultMaxChange ?? null;
  if (maxChange !== null && !(Number.isFinite(maxChange) && maxChange >= 0)) {
    throw new RangeError(`channel ${c.channel}: maxChange must be a finite fraction >= 0, got ${maxChange}`);
  }
  const unidentifiedStep = g.unidentified ? unidentifiedMaxChange : null;
  if (g.locked) return { channel: c.channel, lower: c.current, upper: c.current, lowerBy: 'locked', upperBy: 'locked', maxChange, unidentifiedStep };
  let lower = 0;
  let lowerBy: LowerLimitSource = 'zero';
  let upper = Infinity;
  let upperBy: UpperLimitSource = 'none';
  if (maxChange !== null) {
    const floor = c.current * Math.max(0, 1 - maxChange);
    if (floor > lower) [lower, lowerBy] = [floor, 'max_change_down'];
    [upper, upperBy] = [c.current * (1 + maxChange), 'max_change_up'];
  }
  if (g.unidentified) {
    if (!(Number.isFinite(unidentifiedMaxChange) && unidentifiedMaxChange >= 0)) {
      throw new RangeError(`channel ${c.channel}: unidentifiedMaxChange must be a finite fraction >= 0, got ${unidentifiedMaxChange}`);
    }
    const floor = c.current * Math.max(0, 1 - unidentifiedMaxChange);
    const ceiling = c.current * (1 + unidentifiedMaxChange);
    if (floor > lower) [lower, lowerBy] = [floor, 'unidentified'];
    if (ceiling < upper) [upper, upperBy] = [ceiling, 'unidentified'];
  }
  // An explicit min/max wins ties: it is the limit the user wrote down.
  if (g.min !== undefined) {
    const v = resolveBound(g.min, c.current, c.channel, 'min');
    if (v >= lower) [lower, lowerBy] = [v, 'min'];
  }
  if (g.max !== undefined) {
    const v = resolveBound(g.max, c.current, c.channel, 'max');
    if (v <= upper) [upper, upperBy] = [v, 'max'];
  }
  return { channel: c.channel, lower, upper, lowerBy, upperBy, maxChange, unidentifiedStep };
}

export function describeBound(g: SpendBound | undefined, current: number): string {
  return g !== undefined && typeof g !== 'number' ? ` (${g.timesCurrent}× current ${usd(current)})` : '';
}

export function describeLower(c: ChannelResponse, w: ChannelWindow): string {
  switch (w.lowerBy) {
    case 'min':
      return `min ${usd(w.lower)}${describeBound(c.guardrails?.min, c.current)}`;
    case 'max_change_down':
      return `max-change floor ${usd(w.lower)} (current ${usd(c.current)} − ${pct(w.maxChange!)})`;
    case 'unidentified':
      return `unidentified-channel floor ${usd(w.lower)} (current ${usd(c.current)} − ${pct(w.unidentifiedStep!)}, the model cannot identify its effect)`;
    case 'locked':
      return `locked at ${usd(w.lower)}`;
    case 'zero':
      return 'floor $0';
  }
}

export function describeUpper(c: ChannelResponse, w: ChannelWindow): string {
  switch (w.upperBy) {
    case 'max':
      return `max ${usd(w.upper)}${describeBound(c.guardrails?.max, c.current)}`;
    case 'max_change_up':
      return `max-change ceiling ${usd(w.upper)} (current ${usd(c.current)} + ${pct(w.maxChange!)})`;
    case 'unidentified':
      return `unidentified-channel ceiling ${usd(w.upper)} (current ${usd(c.current)} + ${pct(w.unidentifiedStep!)}, the model cannot identify its effect)`;
    case 'locked':
      return `locked at ${usd(w.upper)}`;
    case 'none':
      return 'no cap';
  }
}

export function fail(conflicts: BudgetConflict[]): never {
  const head = conflicts.length === 1 ? 'the budget guardrails conflict' : `the budget guardrails conflict in ${conflicts.length} ways`;
  throw new InfeasibleBudgetError(`${head}: ${conflicts.map((c) => c.message).join('; ')}`, conflicts);
}

/** Per-channel conflicts: an empty window, or a lock outside the channel's own min/max. */
export function channelConflicts(channels: readonly ChannelResponse[], windows: readonly ChannelWindow[], tol: number): BudgetConflict[] {
  const out: BudgetConflict[] = [];
  channels.forEach((c, i) => {
    const w = windows[i];
    const g = c.guardrails ?? {};
    if (g.locked) {
      const min = g.min === undefined ? 0 : resolveBound(g.min, c.current, c.channel, 'min');
      const max = g.max === undefined ? Infinity : resolveBound(g.max, c.current, c.channel, 'max');
      if (min > c.current + tol) {
        out.push({ kind: 'channel', channels: [c.channel], amount: min - c.current,
          message: `${c.channel} is locked at ${usd(c.current)}, below its min ${usd(min)}${describeBound(g.min, c.current)} by ${usd(min - c.current)}` });
      }
      if (max < c.current - tol) {
        out.push({ kind: 'channel', channels: [c.channel], amount: c.current - max,
          message: `${c.channel} is locked at ${usd(c.current)}, above its max ${usd(max)}${describeBound(g.max, c.current)} by ${usd(c.current - max)}` });
      }
    } else if (w.lower > w.upper + tol) {
      out.push({ kind: 'channel', channels: [c.channel], amount: w.lower - w.upper,
        message: `${c.channel}: ${describeLower(c, w)} is above its ${describeUpper(c, w)} by ${usd(w.lower - w.upper)}` });
    }
  });
  return out;
}

/**
 * The windows' limits (an empty window's upper raised to its lower), after
 * the conflicts that no plan can get past: a channel's own limits, minimums
 * above the budget, or (spending the whole budget) maximums below it.
 */
export function feasibleLimits(channels: readonly ChannelResponse[], windows: readonly ChannelWindow[], budget: number, atMost: boolean,
  tol: number): { lower: number[]; upper: number[]; lowerSum: number; upperSum: number } {
  const perChannel = channelConflicts(channels, windows, tol);
  if (perChannel.length) fail(perChannel);
  const lower = windows.map((w) => w.lower);
  const upper = windows.map((w) => Math.max(w.lower, w.upper));
  const lowerSum = lower.reduce((s, v) => s + v, 0);
  const upperSum = upper.reduce((s, v) => s + v, 0);
  if (lowerSum > budget + tol) {
    const held = channels.map((c, i) => ({ c, w: windows[i] })).filter(({ w }) => w.lower > 0);
    fail([{ kind: 'minimums_above_budget', channels: held.map(({ c }) => c.channel), amount: lowerSum - budget,
      message: `the per-channel minimums sum to ${usd(lowerSum)}, above the total budget ${usd(budget)} by ${usd(lowerSum - budget)}: ` +
        held.map(({ c, w }) => `${c.channel} ${describeLower(c, w)}`).join(', ') }]);
  }
  if (!atMost && upperSum < budget - tol) {
    fail([{ kind: 'maximums_below_budget', channels: channels.map((c) => c.channel), amount: budget - upperSum,
      message: `the per-channel maximums sum to ${usd(upperSum)}, below the total budget ${usd(budget)} by ${usd(budget - upperSum)} ` +
        `(or allow totalMode 'at_most'): ` + channels.map((c, i) => `${c.channel} ${describeUpper(c, windows[i])}`).join(', ') }]);
  }
  return { lower, upper, lowerSum, upperSum };
}
