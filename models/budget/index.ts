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
 *
 * Where each step lives: types.ts (curves, guardrails, options, the plan),
 * recent-spend.ts (current spend), windows.ts (each channel's window and the
 * conflicts, named in dollars), optimize.ts (grid programme, the plan the
 * objective picks, the polish), confidence.ts (`minConfidence`), plan.ts
 * (lines and totals); this file checks the input and runs the steps.
 */
import { heldToConfidence } from './confidence';
import { bestPlanAtMost, channelObjective, gridOptimum, refinedPlan, targetRoiPlan, wholeBudgetPlan } from './optimize';
import { planOf } from './plan';
import { DEFAULT_STEPS, type BudgetPlan, type ChannelResponse, type OptimizeBudgetOptions } from './types';
import { channelWindow, feasibleLimits } from './windows';

export { recentSpend, type SpendByMonth } from './recent-spend';
export {
  DEFAULT_UNIDENTIFIED_MAX_CHANGE, InfeasibleBudgetError, type BindingGuardrail, type BudgetConflict, type BudgetPlan, type BudgetPlanLine,
  type ChannelGuardrails, type ChannelResponse, type ChannelWindow, type LowerLimitSource, type OptimizeBudgetOptions, type ResponseCurve,
  type SpendBound, type UpperLimitSource,
} from './types';
export { channelWindow } from './windows';

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
  const tol = 1e-9 * Math.max(1, budget);
  const windows = channels.map((c) => channelWindow(c, options.maxChange, options.unidentifiedMaxChange));
  const { lower, upper, lowerSum, upperSum } = feasibleLimits(channels, windows, budget, atMost, tol);
  const obj = channels.map((c) => channelObjective(c, options.uncertaintyPenalty ?? 0));
  const grid = gridOptimum(obj, lower, upper, Math.max(0, budget - lowerSum), options.steps ?? DEFAULT_STEPS, tol);
  let x = objective === 'target-roi' ? targetRoiPlan(channels, grid, options.targetRoi!, budget, lowerSum, upperSum)
    : atMost ? bestPlanAtMost(grid)
      : wholeBudgetPlan(grid, upper, budget);
  if (options.refine ?? true) {
    x = refinedPlan(channels, x, lower, upper, obj, { budget, step: grid.h, tol, unspent: atMost && objective === 'max-acv',
      targetRoi: objective === 'target-roi' ? options.targetRoi! : null });
  }
  const optimum = x.slice();
  x = heldToConfidence(channels, x, options.minConfidence ?? 0, tol);
  return planOf(channels, windows, lower, upper, x, optimum, obj, { objective, budget, gridStep: grid.h });
}
