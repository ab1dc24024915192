/** The plan as reported: each channel's line (the guardrail that binds it, its interval, its marginal ROI) and the totals. */
import { quantileSorted, sampleStandardDeviation } from 'simple-statistics';
import { sumOf } from './optimize';
import type { BindingGuardrail, BudgetPlan, BudgetPlanLine, ChannelResponse, ChannelWindow, ResponseCurve } from './types';

/** d f / dx by central difference (forward at the zero floor). */
export function derivative(f: ResponseCurve, x: number, scale: number): number {
  const h = 1e-6 * Math.max(1, scale, x);
  return x - h >= 0 ? (f(x + h) - f(x - h)) / (2 * h) : (f(x + h) - f(x)) / h;
}

/** Which guardrail holds channel i at x_i ('confidence' when `minConfidence` shortened its move). */
function bindingOf(w: ChannelWindow, xi: number, lower: number, upper: number, spentAll: boolean, shortened: boolean, btol: number): BindingGuardrail {
  let binding: BindingGuardrail;
  if (w.lowerBy === 'locked') binding = 'locked';
  else if (upper - lower <= btol) binding = w.upperBy === 'none' ? 'none' : w.upperBy;
  else if (w.upperBy !== 'none' && xi >= upper - btol) binding = w.upperBy;
  else if (xi <= lower + btol) binding = w.lowerBy === 'zero' ? 'none' : w.lowerBy;
  else binding = spentAll ? 'total' : 'none';
  if (shortened) binding = 'confidence';
  return binding;
}

/** The plan x (and the optimum it was shortened from, if it was) as lines and totals. */
export function planOf(channels: readonly ChannelResponse[], windows: readonly ChannelWindow[], lower: readonly number[], upper: readonly number[],
  x: readonly number[], optimum: readonly number[], obj: readonly ((x: number) => number)[],
  o: { objective: BudgetPlan['objective']; budget: number; gridStep: number }): BudgetPlan {
  const { budget } = o;
  const shortened = x.map((v, i) => Math.abs(v - optimum[i]) > 1e-7 * Math.max(1, budget));
  const totalSpend = sumOf(x);
  const spentAll = Math.abs(totalSpend - budget) <= 1e-7 * Math.max(1, budget);
  const btol = 1e-7 * Math.max(1, budget);
  const lines = channels.map((c, i): BudgetPlanLine => {
    const w = windows[i];
    const xi = x[i];
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
      binding: bindingOf(w, xi, lower[i], upper[i], spentAll, shortened[i], btol),
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
    objective: o.objective,
    budget,
    totalSpend,
    lines,
    currentAcv: channels.reduce((s, c) => s + c.response(c.current), 0),
    expectedAcv,
    acvP10,
    acvP90,
    roi: totalSpend > 0 ? expectedAcv / totalSpend : null,
    objectiveValue: x.reduce((s, v, i) => s + obj[i](v), 0),
    gridStep: o.gridStep,
  };
}
