/**
 * Customer lifetimes from renewal chains, and the survival summary the cycle
 * stores: Kaplan–Meier by segment with bands, the log-rank test across
 * segments, a Cox model of the hazard of churning, and the sBG fitted to the
 * renewal decisions.
 *
 * A lifetime is a renewal chain (a first contract and the contracts that renew
 * it), measured in months from the chain's first start: it ends (an event) at
 * the end date of a contract that was not renewed, and is censored at `asOf`
 * when its latest contract is still live. Renewed decisions are steps inside a
 * lifetime, not lifetimes of their own.
 */
import type { ActiveContract, RenewalDecision } from './renewal';
import { fitCox, type CoxFit } from './cox';
import { kaplanMeier, logRankTest, type LogRankResult } from './survival';
import { fitSbgAtRisk, type SbgFit } from './sbg';
import { monthsBetweenAverage } from '../lib/dates';
import { NotPositiveDefiniteError } from './linalg';

/** Churns a segment needs before it gets its own Cox coefficient (else it joins the reference). */
const MIN_COX_EVENTS_PER_LEVEL = 5;

/** The Cox fit, or null when the data leave its information matrix singular (a column no risk set varies in). */
function tryFitCox(lifetimes: readonly CustomerLifetime[], columns: { value: (l: CustomerLifetime) => number }[]): CoxFit | null {
  try {
    return fitCox(lifetimes.map((l) => columns.map((c) => c.value(l))), lifetimes.map((l) => l.months), lifetimes.map((l) => l.churned));
  } catch (err) {
    if (err instanceof NotPositiveDefiniteError) return null;
    throw err;
  }
}

export interface CustomerLifetime {
  /** The chain's latest contract. */
  contract_id: string;
  account_id: string;
  segment: string;
  region: string | null;
  months: number;
  churned: boolean;
  renewals: number;
  discountPct: number | null;
}

/**
 * One lifetime per chain: churn decisions are events at their tenure, live
 * contracts are censored at the tenure they have reached at `asOf`.
 *
 * @example
 * customerLifetimes(renewalDecisions(c, a, u, asOf), activeContracts(c, a, u, asOf), asOf)
 *   .filter((l) => l.churned).length; // chains that ended before asOf
 */
export function customerLifetimes(decisions: readonly RenewalDecision[], active: readonly ActiveContract[], asOf: string): CustomerLifetime[] {
  const out: CustomerLifetime[] = [];
  const base = (d: RenewalDecision | ActiveContract) => ({
    contract_id: d.contract_id, account_id: d.account_id, segment: d.segment, region: d.region,
    renewals: d.renewalsSoFar, discountPct: d.discountPct,
  });
  for (const d of decisions) {
    if (d.renewed) continue;
    if (d.tenureMonths === undefined) throw new Error(`decision on ${d.contract_id} has no tenure: build decisions with renewalDecisions`);
    out.push({ ...base(d), months: d.tenureMonths, churned: true });
  }
  for (const a of active) {
    if (a.tenureMonths === undefined) throw new Error(`active contract ${a.contract_id} has no tenure: build it with activeContracts`);
    // tenureMonths is measured at the contract's end; at asOf the chain has lived that much less.
    out.push({ ...base(a), months: Math.max(0, a.tenureMonths - monthsBetweenAverage(asOf, a.end_date)), churned: false });
  }
  return out;
}

/** Renewal decisions by their rank in the chain (1st renewal, 2nd, …): how many came up and how many churned. */
export function decisionsByRank(decisions: readonly RenewalDecision[]): { atRisk: number[]; churned: number[] } {
  const atRisk: number[] = [];
  const churned: number[] = [];
  for (const d of decisions) {
    const k = d.renewalsSoFar;
    while (atRisk.length <= k) {
      atRisk.push(0);
      churned.push(0);
    }
    atRisk[k]++;
    if (!d.renewed) churned[k]++;
  }
  return { atRisk, churned };
}

export interface SurvivalCurvePoint {
  t: number;
  survival: number;
  lo95: number;
  hi95: number;
  atRisk: number;
  events: number;
}

export interface SurvivalSummary {
  /** Kaplan–Meier by group ('all' and each segment), one point per distinct time. */
  curves: Record<string, SurvivalCurvePoint[]>;
  medians: Record<string, { median: number | null; n: number; events: number }>;
  /** Log-rank across segments (null with fewer than two segments with events). */
  logRank: Pick<LogRankResult, 'statistic' | 'df' | 'p'> | null;
  /** Cox model of the hazard of churning. */
  cox: (Pick<CoxFit, 'logLikelihood' | 'concordance' | 'converged' | 'n' | 'events'> & {
    coefficients: Record<string, number>;
    standardErrors: Record<string, number>;
  }) | null;
  /** sBG on decisions by rank (null with no decisions). */
  sbg: (Pick<SbgFit, 'alpha' | 'beta' | 'logLikelihood' | 'converged'> & { atRisk: number[]; churned: number[] }) | null;
}

/**
 * Survival summary of lifetimes. Cox covariates: one indicator per segment
 * other than the largest (the reference), the discount (missing -> mean) and
 * the number of renewals the chain reached; columns without variation are
 * left out so the information matrix stays invertible.
 *
 * @example
 * const s = survivalSummary(lifetimes, decisions);
 * s.medians.all.median; // months until half of the customers have churned, or null
 */
export function survivalSummary(lifetimes: readonly CustomerLifetime[], decisions: readonly RenewalDecision[]): SurvivalSummary {
  const curves: SurvivalSummary['curves'] = {};
  const medians: SurvivalSummary['medians'] = {};
  const groups = new Map<string, CustomerLifetime[]>([['all', [...lifetimes]]]);
  for (const l of lifetimes) {
    if (!groups.has(l.segment)) groups.set(l.segment, []);
    groups.get(l.segment)!.push(l);
  }
  for (const [g, ls] of groups) {
    if (ls.length === 0) continue;
    const km = kaplanMeier(ls.map((l) => l.months), ls.map((l) => l.churned));
    curves[g] = km.points.map((p) => ({ t: p.time, survival: p.survival, lo95: p.lower, hi95: p.upper, atRisk: p.atRisk, events: p.events }));
    medians[g] = { median: km.median, n: km.n, events: km.events };
  }

  const segments = [...groups.keys()].filter((g) => g !== 'all');
  let logRank: SurvivalSummary['logRank'] = null;
  const withEvents = segments.filter((s) => groups.get(s)!.some((l) => l.churned));
  if (segments.length >= 2 && withEvents.length >= 1 && lifetimes.some((l) => l.churned)) {
    try {
      const r = logRankTest(lifetimes.map((l) => l.months), lifetimes.map((l) => l.churned), lifetimes.map((l) => l.segment));
      logRank = { statistic: r.statistic, df: r.df, p: r.p };
    } catch (err) {
      if (!(err instanceof RangeError)) throw err; // too few groups at risk: no test to report
    }
  }

  let cox: SurvivalSummary['cox'] = null;
  const events = lifetimes.filter((l) => l.churned).length;
  if (events >= 10) {
    const reference = [...segments].sort((a, b) => groups.get(b)!.length - groups.get(a)!.length || a.localeCompare(b))[0];
    const known = lifetimes.filter((l) => l.discountPct !== null);
    const meanDiscount = known.length ? known.reduce((s, l) => s + l.discountPct!, 0) / known.length : 0;
    const candidates: { name: string; value: (l: CustomerLifetime) => number }[] = [
      // A segment with few churns carries almost no information about its hazard ratio.
      ...segments.filter((s) => s !== reference && groups.get(s)!.filter((l) => l.churned).length >= MIN_COX_EVENTS_PER_LEVEL).sort().map((s) => ({ name: `segment=${s}`, value: (l: CustomerLifetime) => (l.segment === s ? 1 : 0) })),
      { name: 'discount_pct', value: (l) => l.discountPct ?? meanDiscount },
      { name: 'renewals', value: (l) => l.renewals },
    ];
    const columns = candidates.filter((c) => new Set(lifetimes.map(c.value)).size > 1);
    const fit = columns.length ? tryFitCox(lifetimes, columns) : null;
    if (fit) {
      cox = {
        coefficients: Object.fromEntries(columns.map((c, i) => [c.name, fit.coefficients[i]])),
        standardErrors: Object.fromEntries(columns.map((c, i) => [c.name, fit.standardErrors[i]])),
        logLikelihood: fit.logLikelihood, concordance: fit.concordance, converged: fit.converged, n: fit.n, events: fit.events,
      };
    }
  }

  let sbg: SurvivalSummary['sbg'] = null;
  const ranks = decisionsByRank(decisions);
  if (ranks.atRisk.length && ranks.churned.some((c) => c > 0)) {
    const fit = fitSbgAtRisk(ranks.atRisk, ranks.churned);
    sbg = { alpha: fit.alpha, beta: fit.beta, logLikelihood: fit.logLikelihood, converged: fit.converged, ...ranks };
  }
  return { curves, medians, logRank, cox, sbg };
}
