/** How far a reallocation may go: as far as the model's draws agree it gains (`minConfidence`). */
import type { ChannelResponse } from './types';

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
export function heldToConfidence(channels: readonly ChannelResponse[], x: number[], minConfidence: number, tol: number): number[] {
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
