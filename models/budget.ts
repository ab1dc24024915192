/**
 * Budget allocation under guardrails.
 *
 * `optimizeBudget` is the optimizer over per-channel response curves
 * (expected incremental ACV per month as a function of monthly spend, e.g.
 * from a media-mix model). The curves may be S-shaped (Hill with shape > 1),
 * so marginal-return greedy allocation is not optimal; instead a dynamic
 * programme over channels on a spend grid (a multiple-choice knapsack,
 * O(channels · steps²)) finds the exact optimum on the grid, and continuous
 * pairwise transfers within one grid step polish it.
 *
 * A channel the model cannot identify (`guardrails.unidentified`, see
 * identifiability.ts) moves at most `unidentifiedMaxChange` of its current
 * spend either way: a curve the data cannot pin down is not acted on.
 */
import { quantileSorted, sampleStandardDeviation } from 'simple-statistics';
import { monthIndex } from '../lib/dates';

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

/**
 * The guardrail that holds a channel where it is. 'total' = the channel is
 * inside its own window and only the total budget stops it from growing;
 * 'zero_spend' is `proposeBudget`'s name for a channel with no current spend.
 */
export type BindingGuardrail =
  | 'min'
  | 'max'
  | 'max_change_up'
  | 'max_change_down'
  | 'locked'
  | 'unidentified'
  | 'confidence'
  | 'total'
  | 'zero_spend'
  | 'none';

/** One reason the guardrails cannot all hold. */
export interface BudgetConflict {
  kind: 'channel' | 'minimums_above_budget' | 'maximums_below_budget' | 'target_roi';
  channels: string[];
  /** How far apart the conflicting limits are: USD, or ACV per dollar for 'target_roi'. */
  amount: number;
  message: string;
}

/** Raised when no allocation satisfies the guardrails and the total; `conflicts` says which and by how much. */
export class InfeasibleBudgetError extends Error {
  override name = 'InfeasibleBudgetError';
  readonly conflicts: readonly BudgetConflict[];
  constructor(message: string, conflicts: readonly BudgetConflict[] = []) {
    super(message);
    this.conflicts = conflicts;
  }
}

// ---------------------------------------------------------------------------
// optimizeBudget: response curves, guardrails, exact grid search, refinement.
// ---------------------------------------------------------------------------

/** Expected incremental ACV per month as a function of the channel's monthly spend (USD). */
export type ResponseCurve = (spend: number) => number;

/** A spend bound: absolute USD, or a multiple of the channel's current (recent) spend. */
export type SpendBound = number | { timesCurrent: number };

export interface ChannelGuardrails {
  /** Smallest monthly spend. Default: none (spend >= 0). */
  min?: SpendBound;
  /** Largest monthly spend. Default: none. */
  max?: SpendBound;
  /** Largest month-over-month change, a fraction of current spend (0.2 = ±20%). Overrides the option of the same name. */
  maxChange?: number;
  /** Recommended = current, whatever the curves say. */
  locked?: boolean;
  /** The model cannot tell this channel's effect apart: it moves at most `unidentifiedMaxChange` of current spend. */
  unidentified?: boolean;
}

/** One channel as the optimizer sees it; the curves come from a media-mix model or any other source. */
export interface ChannelResponse {
  channel: string;
  /** Current (recent) monthly spend in USD, e.g. from `recentSpend`. */
  current: number;
  /** Expected incremental ACV per month at a monthly spend. */
  response: ResponseCurve;
  /** Bootstrap replicates of the curve: intervals and the uncertainty penalty. */
  draws?: readonly ResponseCurve[];
  guardrails?: ChannelGuardrails;
}

export interface OptimizeBudgetOptions {
  /** Total monthly budget in USD. */
  budget: number;
  /** 'equal' (default): spend exactly the budget; 'at_most': spend up to it. */
  totalMode?: 'equal' | 'at_most';
  /** Max month-over-month change for channels that set none of their own. Default: no limit. */
  maxChange?: number;
  /** Largest change, a fraction of current spend, of a channel marked `unidentified` (on top of every other limit). Default 0: held. */
  unidentifiedMaxChange?: number;
  /**
   * λ ≥ 0: maximize Σ over channels of (response − λ·sd of the draws). The
   * per-channel sds add up to the sd of the total only if the channels' errors
   * are perfectly correlated, so this is a conservative penalty, and it keeps
   * the objective separable (the grid search stays exact). Default 0.
   */
  uncertaintyPenalty?: number;
  /**
   * 'max-acv' (default): the best objective at the total. 'target-roi': the
   * largest total up to the budget (always treated as 'at_most') whose best
   * plan's expected ACV per dollar is at least `targetRoi`.
   */
  objective?: 'max-acv' | 'target-roi';
  targetRoi?: number;
  /**
   * In (0, 1]: a reallocation (the plan's total equals the current total)
   * moves money only as far as the draws agree it gains: the share of joint
   * draws in which the plan's ACV beats the current split's must reach this.
   * Otherwise the move is shortened (3/4, 1/2, 1/4 of the way) and, when no
   * step is that sure, the current split is kept; the shortened channels'
   * binding is 'confidence'. Default 0 (off); needs draws on every channel.
   */
  minConfidence?: number;
  /** Grid steps over the spend free to move (budget − Σ lower limits). Default 1000. */
  steps?: number;
  /** Polish the grid optimum with continuous pairwise transfers within one grid step. Default true. */
  refine?: boolean;
}

/** Which guardrail sets a channel's lower / upper limit ('zero': spend >= 0; 'none': uncapped). */
export type LowerLimitSource = 'min' | 'max_change_down' | 'unidentified' | 'locked' | 'zero';
export type UpperLimitSource = 'max' | 'max_change_up' | 'unidentified' | 'locked' | 'none';

/** A channel's allowed spend window after its own guardrails. */
export interface ChannelWindow {
  channel: string;
  lower: number;
  /** Infinity when nothing caps the channel (the budget still does). */
  upper: number;
  lowerBy: LowerLimitSource;
  upperBy: UpperLimitSource;
  /** The max-change fraction that applied, if any. */
  maxChange: number | null;
  /** The unidentified channel's step (`unidentifiedMaxChange`), when the channel is marked unidentified. */
  unidentifiedStep: number | null;
}

export interface BudgetPlanLine {
  channel: string;
  current: number;
  recommended: number;
  change: number;
  /** change / current; null when current is 0. */
  changePct: number | null;
  /** response(recommended). */
  expectedAcv: number;
  /** P10 / P90 (linear interpolation, R type 7) and sample sd of the draws at recommended; null without draws. */
  acvP10: number | null;
  acvP90: number | null;
  acvSd: number | null;
  /** d response / d spend at recommended: the incremental ACV of the next dollar. */
  marginalRoi: number;
  lower: number;
  /** null when uncapped. */
  upper: number | null;
  binding: BindingGuardrail;
}

export interface BudgetPlan {
  objective: 'max-acv' | 'target-roi';
  budget: number;
  totalSpend: number;
  lines: BudgetPlanLine[];
  /** Σ response(current). */
  currentAcv: number;
  /** Σ response(recommended). */
  expectedAcv: number;
  /** P10 / P90 of the plan's total over joint draws (draw d of every channel); null unless every channel has the same number of draws. */
  acvP10: number | null;
  acvP90: number | null;
  /** expectedAcv / totalSpend; null at zero spend. */
  roi: number | null;
  /** Σ (response − λ·sd): what was maximized. */
  objectiveValue: number;
  /** Spacing of the spend grid the exact search ran on (USD). */
  gridStep: number;
}

const DEFAULT_STEPS = 1000;
/**
 * How far an unidentified channel may move when the caller says nothing: not
 * at all. Its draws cannot say which way is better (every bootstrap replicate
 * resamples the same collinear or flat spend, so they agree on an arbitrary
 * split), so any move is a bet; a user who wants a small step sets one.
 */
export const DEFAULT_UNIDENTIFIED_MAX_CHANGE = 0;

/** "$1,234.5" for messages. */
function usd(v: number): string {
  const r = Math.round(v * 100) / 100;
  return `${r < 0 ? '-' : ''}$${Math.abs(r).toLocaleString('en-US', { maximumFractionDigits: 2 })}`;
}

const pct = (f: number) => `${Number((f * 100).toFixed(4))}%`;

function resolveBound(b: SpendBound, current: number, channel: string, what: string): number {
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

function describeBound(g: SpendBound | undefined, current: number): string {
  return g !== undefined && typeof g !== 'number' ? ` (${g.timesCurrent}× current ${usd(current)})` : '';
}

function describeLower(c: ChannelResponse, w: ChannelWindow): string {
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

function describeUpper(c: ChannelResponse, w: ChannelWindow): string {
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

function fail(conflicts: BudgetConflict[]): never {
  const head = conflicts.length === 1 ? 'the budget guardrails conflict' : `the budget guardrails conflict in ${conflicts.length} ways`;
  throw new InfeasibleBudgetError(`${head}: ${conflicts.map((c) => c.message).join('; ')}`, conflicts);
}

/** Per-channel conflicts: an empty window, or a lock outside the channel's own min/max. */
function channelConflicts(channels: readonly ChannelResponse[], windows: readonly ChannelWindow[], tol: number): BudgetConflict[] {
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

/** Objective of one channel at a spend: response − λ·sd(draws). Throws on a curve that returns a non-number. */
function channelObjective(c: ChannelResponse, lambda: number): (x: number) => number {
  const check = (v: number, x: number, what: string) => {
    if (!Number.isFinite(v)) throw new RangeError(`channel ${c.channel}: ${what} at spend ${x} is not a finite number (${v})`);
    return v;
  };
  const draws = c.draws ?? [];
  // Only a locked channel may lack draws under a penalty (validateInputs); its spend is fixed, so no penalty steers it.
  if (lambda === 0 || draws.length < 2) return (x) => check(c.response(x), x, 'response');
  return (x) => {
    const mean = check(c.response(x), x, 'response');
    const vals = draws.map((d, k) => check(d(x), x, `draw ${k}`));
    return mean - lambda * sampleStandardDeviation(vals);
  };
}

/**
 * The best transfer t in [a, b] of g: a coarse scan, then golden-section
 * search around the best scanned point. Curves may be non-concave, so the
 * scan decides the basin and the golden section only polishes it.
 */
function bestOnInterval(g: (t: number) => number, a: number, b: number): { t: number; v: number } {
  const n = 20;
  let best = { t: a, v: g(a), k: 0 };
  for (let k = 1; k <= n; k++) {
    const t = k === n ? b : a + ((b - a) * k) / n;
    const v = g(t);
    if (v > best.v) best = { t, v, k };
  }
  let lo = a + ((b - a) * Math.max(0, best.k - 1)) / n;
  let hi = a + ((b - a) * Math.min(n, best.k + 1)) / n;
  const r = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - r * (hi - lo);
  let x2 = lo + r * (hi - lo);
  let f1 = g(x1);
  let f2 = g(x2);
  for (let it = 0; it < 60 && hi - lo > 1e-12 * Math.max(1, Math.abs(a), Math.abs(b)); it++) {
    if (f1 >= f2) {
      hi = x2;
      [x2, f2] = [x1, f1];
      x1 = hi - r * (hi - lo);
      f1 = g(x1);
    } else {
      lo = x1;
      [x1, f1] = [x2, f2];
      x2 = lo + r * (hi - lo);
      f2 = g(x2);
    }
  }
  const [t, v] = f1 >= f2 ? [x1, f1] : [x2, f2];
  return v > best.v ? { t, v } : { t: best.t, v: best.v };
}

/**
 * Local polish of a grid optimum: move money between every pair of channels
 * (or between a channel and unspent budget) by up to `radius`, keeping each
 * within its window, until no transfer gains. Only gains are accepted, so the
 * result is never worse than the grid optimum.
 */
function refineByTransfers(
  x: number[],
  lo: readonly number[],
  hi: readonly number[],
  obj: readonly ((s: number) => number)[],
  radius: number,
  scale: number,
): void {
  const eps = 1e-12 * scale;
  const movable = x.map((_, i) => i).filter((i) => hi[i] - lo[i] > eps);
  const vals = x.map((v, i) => obj[i](v));
  for (let sweep = 0; sweep < 100; sweep++) {
    let gain = 0;
    for (let a = 0; a < movable.length; a++) {
      for (let b = a + 1; b < movable.length; b++) {
        const i = movable[a];
        const j = movable[b];
        const tLo = Math.max(lo[i] - x[i], x[j] - hi[j], -radius);
        const tHi = Math.min(hi[i] - x[i], x[j] - lo[j], radius);
        if (!(tHi - tLo > eps)) continue;
        const base = vals[i] + vals[j];
        const best = bestOnInterval((t) => obj[i](x[i] + t) + obj[j](x[j] - t), tLo, tHi);
        if (best.v > base + 1e-12 * Math.max(1, Math.abs(base))) {
          const sum = x[i] + x[j];
          x[i] = Math.min(hi[i], Math.max(lo[i], x[i] + best.t));
          x[j] = sum - x[i];
          vals[i] = obj[i](x[i]);
          vals[j] = obj[j](x[j]);
          gain += best.v - base;
        }
      }
    }
    if (!(gain > 1e-12 * Math.max(1, Math.abs(vals.reduce((s, v) => s + v, 0))))) break;
  }
}

/** d f / dx by central difference (forward at the zero floor). */
function derivative(f: ResponseCurve, x: number, scale: number): number {
  const h = 1e-6 * Math.max(1, scale, x);
  return x - h >= 0 ? (f(x + h) - f(x - h)) / (2 * h) : (f(x + h) - f(x)) / h;
}

/**
 * The plan `x`, or the longest of its shortened moves from the current
 * split whose gain over it is positive in at least `minConfidence` of the
 * joint draws (draw d of every channel), or the current split (see
 * `OptimizeBudgetOptions.minConfidence`). Why: the optimum of the mean curves
 * moves money on differences between channels that the draws may not
 * support; a move the model is unsure of is a bet it should not make with
 * someone else's budget. Left as it is when off, without draws, or when the
 * plan changes the total (shortening would change the total too).
 */
function heldToConfidence(channels: readonly ChannelResponse[], x: number[], minConfidence: number, tol: number): number[] {
  if (!(minConfidence > 0)) return x;
  const nDraws = channels[0]?.draws?.length ?? 0;
  if (nDraws < 2 || channels.some((c) => c.draws?.length !== nDraws)) return x;
  const current = channels.map((c) => c.current);
  const total = (v: readonly number[]) => v.reduce((s, a) => s + a, 0);
  if (Math.abs(total(current) - total(x)) > tol * 10) return x;
  const confidence = (plan: readonly number[]) => {
    let wins = 0;
    for (let d = 0; d < nDraws; d++) {
      let gain = 0;
      channels.forEach((c, i) => (gain += c.draws![d](plan[i]) - c.draws![d](current[i])));
      if (gain > 0) wins++;
    }
    return wins / nDraws;
  };
  for (const t of [1, 0.75, 0.5, 0.25]) {
    const plan = x.map((v, i) => current[i] + t * (v - current[i]));
    if (confidence(plan) >= minConfidence) return plan;
  }
  return current;
}

function validateInputs(channels: readonly ChannelResponse[], o: OptimizeBudgetOptions): void {
  if (!(Number.isFinite(o.budget) && o.budget >= 0)) throw new RangeError(`budget must be a finite USD amount >= 0, got ${o.budget}`);
  const steps = o.steps ?? DEFAULT_STEPS;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= 100_000)) throw new RangeError(`steps must be an integer in 1..100000, got ${steps}`);
  const lambda = o.uncertaintyPenalty ?? 0;
  if (!(Number.isFinite(lambda) && lambda >= 0)) throw new RangeError(`uncertaintyPenalty must be a finite number >= 0, got ${lambda}`);
  if ((o.objective ?? 'max-acv') === 'target-roi' && !(Number.isFinite(o.targetRoi) && o.targetRoi! > 0)) {
    throw new RangeError(`objective 'target-roi' needs targetRoi > 0, got ${o.targetRoi}`);
  }
  const mc = o.minConfidence ?? 0;
  if (!(Number.isFinite(mc) && mc >= 0 && mc <= 1)) throw new RangeError(`minConfidence must be in [0, 1], got ${mc}`);
  if (!channels.length) throw new RangeError('no channels to allocate to');
  const seen = new Set<string>();
  const noDraws: string[] = [];
  for (const c of channels) {
    if (!c.channel) throw new RangeError('a channel has an empty name');
    if (seen.has(c.channel)) throw new RangeError(`channel ${c.channel} is listed twice`);
    seen.add(c.channel);
    if (!(Number.isFinite(c.current) && c.current >= 0)) throw new RangeError(`channel ${c.channel}: current spend must be a finite number >= 0`);
    if (typeof c.response !== 'function') throw new RangeError(`channel ${c.channel}: response must be a function of spend`);
    if (lambda > 0 && !c.guardrails?.locked && (c.draws?.length ?? 0) < 2) noDraws.push(c.channel);
  }
  // Penalizing some channels' uncertainty but not others' would favour the ones nobody measured.
  if (noDraws.length) throw new RangeError(`uncertaintyPenalty needs at least 2 draws for every unlocked channel; missing: ${noDraws.join(', ')}`);
}

/**
 * Recommend next month's spend per channel: maximize expected incremental ACV
 * (optionally penalized for uncertainty), or meet a target ACV per dollar,
 * under the total budget and each channel's min, max, max-change and lock.
 *
 * Method: each channel's spend is lower_i + k_i·h on a grid whose step h
 * divides the free budget (budget − Σ lower_i) into `steps` parts, so grid
 * plans hit the total exactly; a dynamic programme over channels finds the
 * best Σ k_i = K (or ≤ K) exactly on that grid whatever the curves' shapes,
 * and `refine` polishes it continuously within one step (reaching windows'
 * edges off the grid). Throws `InfeasibleBudgetError` naming the conflicting
 * guardrails and the gap in USD when no plan satisfies them all.
 *
 * @example
 * const hill = (beta: number, k: number, a: number) => (x: number) => (beta * x ** a) / (x ** a + k ** a);
 * const plan = optimizeBudget(
 *   [
 *     { channel: 'webinar', current: 40_000, response: hill(400_000, 50_000, 2), guardrails: { maxChange: 0.3 } },
 *     { channel: 'display', current: 60_000, response: hill(150_000, 30_000, 1) },
 *     { channel: 'event', current: 50_000, response: hill(300_000, 80_000, 1.5), guardrails: { locked: true } },
 *   ],
 *   { budget: 150_000 },
 * );
 * plan.lines.map((l) => [l.channel, Math.round(l.recommended), l.binding]);
 * // [['webinar', 52000, 'max_change_up'], ['display', 48000, 'total'], ['event', 50000, 'locked']]
 */
export function optimizeBudget(channels: readonly ChannelResponse[], options: OptimizeBudgetOptions): BudgetPlan {
  validateInputs(channels, options);
  const objective = options.objective ?? 'max-acv';
  const budget = options.budget;
  const atMost = objective === 'target-roi' || options.totalMode === 'at_most';
  const steps = options.steps ?? DEFAULT_STEPS;
  const lambda = options.uncertaintyPenalty ?? 0;
  const tol = 1e-9 * Math.max(1, budget);
  const n = channels.length;

  const windows = channels.map((c) => channelWindow(c, options.maxChange, options.unidentifiedMaxChange));
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

  // The exact search on the grid: f[k] = best objective with Σ k_i = k over the channels so far.
  const slack = Math.max(0, budget - lowerSum);
  const K = slack > tol ? steps : 0;
  const h = K ? slack / K : 0;
  const obj = channels.map((c) => channelObjective(c, lambda));
  const gridX = (i: number, j: number) => Math.min(upper[i], lower[i] + j * h);
  let f = new Float64Array(K + 1).fill(-Infinity);
  f[0] = 0;
  const choice: Int32Array[] = [];
  for (let i = 0; i < n; i++) {
    const m = h > 0 ? Math.min(K, Math.floor((upper[i] - lower[i]) / h + 1e-9)) : 0;
    const vals = Array.from({ length: m + 1 }, (_, j) => obj[i](gridX(i, j)));
    const g = new Float64Array(K + 1).fill(-Infinity);
    const ch = new Int32Array(K + 1).fill(-1);
    for (let k = 0; k <= K; k++) {
      for (let j = 0, top = Math.min(k, m); j <= top; j++) {
        const prev = f[k - j];
        if (prev === -Infinity) continue;
        const v = prev + vals[j];
        if (v > g[k]) {
          g[k] = v;
          ch[k] = j;
        }
      }
    }
    choice.push(ch);
    f = g;
  }
  const planAt = (k: number): number[] => {
    const x = new Array<number>(n);
    for (let i = n - 1; i >= 0; i--) {
      const j = choice[i][k];
      x[i] = gridX(i, j);
      k -= j;
    }
    return x;
  };
  const expectedOf = (x: readonly number[]) => x.reduce((s, v, i) => s + channels[i].response(v), 0);
  const sumOf = (x: readonly number[]) => x.reduce((s, v) => s + v, 0);

  let x: number[];
  if (objective === 'target-roi') {
    const target = options.targetRoi!;
    let chosen: number[] | null = null;
    let best = { roi: -Infinity, total: 0 };
    let atMin: number | null = null;
    for (let k = K; k >= 0; k--) {
      if (f[k] === -Infinity) continue;
      const plan = planAt(k);
      const t = sumOf(plan);
      if (!(t > 0)) continue;
      const roi = expectedOf(plan) / t;
      if (k === 0) atMin = roi;
      if (roi > best.roi) best = { roi, total: t };
      if (roi >= target) {
        chosen = plan;
        break;
      }
    }
    if (!chosen) {
      const reach = Math.min(budget, upperSum);
      const roiText = (r: number) => r.toFixed(4);
      fail([{ kind: 'target_roi', channels: [], amount: best.roi === -Infinity ? target : target - best.roi,
        message: best.roi === -Infinity
          ? `no spend is possible (the total can only be $0), so no ROI can meet the target ${target}`
          : `no total spend from ${usd(lowerSum)} to ${usd(reach)} meets the target ROI ${target} ACV per dollar: ` +
            `the best achievable is ${roiText(best.roi)} at a total of ${usd(best.total)}` +
            (atMin !== null ? `, the minimum feasible spend ${usd(lowerSum)} gives ${roiText(atMin)}` : '') }]);
    }
    x = chosen;
  } else if (atMost) {
    let kBest = 0;
    for (let k = 1; k <= K; k++) if (f[k] > f[kBest]) kBest = k;
    x = planAt(kBest);
  } else {
    let k = K;
    while (f[k] === -Infinity) k--; // Σ windows reaches the budget but the grid floors each window: top up below
    x = planAt(k);
    let rest = budget - sumOf(x);
    for (let i = 0; i < n && rest > 0; i++) {
      const add = Math.min(rest, upper[i] - x[i]);
      x[i] += add;
      rest -= add;
    }
  }

  if (options.refine ?? true) {
    const before = x.slice();
    const los = [...lower];
    const his = [...upper];
    const objs = [...obj];
    if (atMost && objective === 'max-acv') {
      // Unspent budget as a channel worth nothing, so single channels can grow or shrink alone.
      x.push(budget - sumOf(x));
      los.push(0);
      his.push(Infinity);
      objs.push(() => 0);
    }
    refineByTransfers(x, los, his, objs, Math.max(h, tol), Math.max(1, budget));
    x.length = n;
    // With an uncertainty penalty the polish may trade expected ACV for less risk; never below the target.
    if (objective === 'target-roi' && expectedOf(x) / sumOf(x) < options.targetRoi!) x = before;
  }

  const optimum = x.slice();
  x = heldToConfidence(channels, x, options.minConfidence ?? 0, tol);
  const shortened = x.map((v, i) => Math.abs(v - optimum[i]) > 1e-7 * Math.max(1, budget));

  const totalSpend = sumOf(x);
  const spentAll = Math.abs(totalSpend - budget) <= 1e-7 * Math.max(1, budget);
  const btol = 1e-7 * Math.max(1, budget);
  const lines = channels.map((c, i): BudgetPlanLine => {
    const w = windows[i];
    const xi = x[i];
    let binding: BindingGuardrail;
    if (w.lowerBy === 'locked') binding = 'locked';
    else if (upper[i] - lower[i] <= btol) binding = w.upperBy === 'none' ? 'none' : w.upperBy;
    else if (w.upperBy !== 'none' && xi >= upper[i] - btol) binding = w.upperBy;
    else if (xi <= lower[i] + btol) binding = w.lowerBy === 'zero' ? 'none' : w.lowerBy;
    else binding = spentAll ? 'total' : 'none';
    if (shortened[i]) binding = 'confidence';
    const drawVals = (c.draws ?? []).map((d) => d(xi)).sort((a, b) => a - b);
    return {
      channel: c.channel,
      current: c.current,
      recommended: xi,
      change: xi - c.current,
      changePct: c.current > 0 ? (xi - c.current) / c.current : null,
      expectedAcv: c.response(xi),
      acvP10: drawVals.length ? quantileSorted(drawVals, 0.1) : null,
      acvP90: drawVals.length ? quantileSorted(drawVals, 0.9) : null,
      acvSd: drawVals.length >= 2 ? sampleStandardDeviation(drawVals) : null,
      marginalRoi: derivative(c.response, xi, budget),
      lower: w.lower,
      upper: Number.isFinite(w.upper) ? w.upper : null,
      binding,
    };
  });

  const nDraws = channels[0].draws?.length ?? 0;
  let acvP10: number | null = null;
  let acvP90: number | null = null;
  if (nDraws > 0 && channels.every((c) => (c.draws?.length ?? 0) === nDraws)) {
    const totals = Array.from({ length: nDraws }, (_, d) => channels.reduce((s, c, i) => s + c.draws![d](x[i]), 0)).sort((a, b) => a - b);
    acvP10 = quantileSorted(totals, 0.1);
    acvP90 = quantileSorted(totals, 0.9);
  }
  const expectedAcv = lines.reduce((s, l) => s + l.expectedAcv, 0);
  return {
    objective,
    budget,
    totalSpend,
    lines,
    currentAcv: channels.reduce((s, c) => s + c.response(c.current), 0),
    expectedAcv,
    acvP10,
    acvP90,
    roi: totalSpend > 0 ? expectedAcv / totalSpend : null,
    objectiveValue: x.reduce((s, v, i) => s + obj[i](v), 0),
    gridStep: h,
  };
}
