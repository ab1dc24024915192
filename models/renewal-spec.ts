import { fitRenewalModel, type BlankDiscount, type RenewalDecision, type RenewalModel, type UsageMeasure } from './renewal';

/**
 * What a renewal model is apart from what it learned: its kind, how its
 * penalty is set, its features. A backtest refits a specification at each
 * origin on the decisions before it; scoring a stored fit instead tests it
 * on decisions it learned from, which flatters it for that reason alone.
 */
export type RenewalSpec =
  | {
    kind: 'logistic'; l2: number | 'cross-validated'; renewalsCap: number; usage: boolean; tenure: boolean;
    usageMeasure: UsageMeasure; blankDiscount: BlankDiscount;
    /** Whether the active users' trend is read beside the usage units' (latent-trend only). */
    users: boolean;
  }
  /** The renewal rate by segment, shrunk toward the overall rate (also the registry's baseline). */
  | { kind: 'empirical' };

/** The penalty every logistic renewal model had before the penalty was chosen by cross-validation (and stored). */
const LEGACY_L2 = 1;

/**
 * The specification of a renewal model as the registry stores it: a fitted
 * model's params, or the baseline's `{ kind: 'baseline_rate' }`.
 * A logistic model without `l2` predates the stored penalty and had 1; one
 * with `l2` but no `penalty` came from retrain, which never gives one, so its
 * penalty was cross-validated. One without `usageMeasure` or `blankDiscount`
 * predates them: it read usage as the trend ratio and a blank discount as 0.
 * One without `useUsers` did not read the users' trend.
 *
 * @example
 * renewalSpecOf({ kind: 'baseline_rate' }); // { kind: 'empirical' }
 * renewalSpecOf({ kind: 'logistic', l2: 3, penalty: 'given', renewalsCap: 3, useUsage: true, useTenure: true, ... });
 * // { kind: 'logistic', l2: 3, renewalsCap: 3, usage: true, tenure: true, usageMeasure: 'trend-ratio', blankDiscount: 'zero', users: false }
 */
export function renewalSpecOf(params: unknown): RenewalSpec {
  const p = params as Partial<{
    kind: string; l2: number; penalty: string; renewalsCap: number; useUsage: boolean; useTenure: boolean;
    usageMeasure: UsageMeasure; blankDiscount: BlankDiscount; useUsers: boolean;
  }> | null;
  if (p?.kind === 'baseline_rate' || p?.kind === 'empirical') return { kind: 'empirical' };
  if (p?.kind !== 'logistic') throw new Error(`not a renewal model: ${JSON.stringify(params)?.slice(0, 80)}`);
  const l2 = p.l2 === undefined ? LEGACY_L2 : p.penalty === 'given' ? p.l2 : 'cross-validated';
  return {
    kind: 'logistic', l2, renewalsCap: p.renewalsCap ?? 3, usage: p.useUsage ?? false, tenure: p.useTenure ?? false,
    usageMeasure: p.usageMeasure ?? 'trend-ratio', blankDiscount: p.blankDiscount ?? 'zero', users: p.useUsers ?? false,
  };
}

/**
 * The model a specification gives on these decisions. A logistic
 * specification keeps fitRenewalModel's fallback to the empirical rate when
 * the decisions are too few or all alike, as its original fit would have.
 *
 * @example
 * fitRenewalSpec(renewalSpecOf(storedChampion.params), decisionsBefore(origin));
 */
export function fitRenewalSpec(spec: RenewalSpec, decisions: readonly RenewalDecision[]): RenewalModel {
  if (spec.kind === 'empirical') return fitRenewalModel(decisions, { minDecisions: Number.MAX_SAFE_INTEGER });
  return fitRenewalModel(decisions, {
    ...(spec.l2 === 'cross-validated' ? {} : { l2: spec.l2 }),
    renewalsCap: spec.renewalsCap,
    features: { usage: spec.usage, tenure: spec.tenure, usageMeasure: spec.usageMeasure, blankDiscount: spec.blankDiscount, users: spec.users },
  });
}
