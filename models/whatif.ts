/**
 * Pricing and term what-if of active contracts: the contract as the run
 * scored it (baseline), and the same contract under another term, discount
 * or list price (scenario), from the serving renewal model's own effects and
 * contract arithmetic. Nothing is invented: a lever the renewal model has no
 * coefficient for holds the renewal probability, and says so.
 *
 * The scenario is the contract as if signed on the new terms:
 * - `discountPct` D sets the discount off list price (percent, 0 ≤ D < 100);
 * - `pricePct` P moves the list price by P percent (+10 raises it 10%);
 * - `termMonths` T (12, 24 or 36) re-signs it for T months from the same
 *   start: its end date moves by T − term months, and it renews every T months.
 *
 * ACV is the net price, list × (1 − discount), so the scenario's ACV is
 * ACV × (1 + P/100) × (1 − D/100) / (1 − d/100) with d the contract's own
 * discount (a blank discount reads as 0 here: its ACV is its list price).
 * The renewal model sees the new discount, ACV (its log ACV column), term
 * (term years) and the tenure at the moved end date; renewals so far,
 * segment, region and usage stay. Cost to serve is held in dollars (the
 * contract's own, else its segment's cost ratio × its current ACV): a price
 * change moves margin, not the cost of serving the customer. Margin is the
 * annual gross margin, ACV − cost to serve; LTV is the discounted net value
 * (ACV less cost to serve) over the horizon (models/ltv.ts); projected ARR is
 * ACV × P(alive in 12 months).
 */
import { monthsBetweenAverage, shiftMonths } from '../lib/dates';
import { contractLtv, type LtvResult } from './ltv';
import type { ActiveContract, LogisticRenewalModel, RenewalModel } from './renewal';
import { ltvInputOf, type ScorePlan, type ScoringInput, type ScoringRun } from './scoring-inputs';

/** The terms a what-if may sign a contract for. */
export const WHATIF_TERMS = [12, 24, 36] as const;

/** What changes; a lever left undefined stays as the contract has it. */
export interface WhatIfScenario {
  termMonths?: number;
  discountPct?: number;
  pricePct?: number;
}

/** One contract under one set of terms. */
export interface ContractOutcome {
  acvUsd: number;
  discountPct: number | null;
  termMonths: number;
  endDate: string;
  costToServeAnnualUsd: number;
  /** ACV − cost to serve, per year. */
  marginAnnualUsd: number;
  /** Margin over ACV; null when the ACV is 0. */
  marginPct: number | null;
  /** At the next renewal decision. */
  renewalProbability: number;
  /** At each of the next renewal decisions (the last repeats). */
  renewalPath: number[];
  ltvMean: number;
  ltvP10: number;
  ltvP50: number;
  ltvP90: number;
  /** How many values the LTV can take (models/ltv.ts). */
  ltvOutcomes: number | null;
  projectedArr: number;
  renewalsInHorizon: number;
}

/** How a lever moves the renewal probability: the model's column and its log-odds per unit, or why it does not. */
export interface LeverEffect {
  column: string | null;
  /** Change of the log-odds of renewing per unit of the column (raw scale, not standardised); null when not in the model. */
  logOddsPerUnit: number | null;
  note: string;
}

export interface WhatIfEffects { discount: LeverEffect; price: LeverEffect; term: LeverEffect }

export interface ContractWhatIf {
  contractId: string;
  accountId: string;
  segment: string;
  region: string | null;
  baseline: ContractOutcome;
  scenario: ContractOutcome;
  /** What is particular to this contract (a blank discount, a renewal the new term puts in the past). */
  notes: string[];
}

/** A cohort's sums (P10/P50/P90 are the sums of the contracts' quantiles, not quantiles of the sum). */
export interface CohortTotals {
  contracts: number;
  acvUsd: number;
  costToServeAnnualUsd: number;
  marginAnnualUsd: number;
  /** Sum of the renewal probabilities: the renewals expected at the next decisions. */
  expectedRenewals: number;
  meanRenewalProbability: number | null;
  ltvMean: number;
  ltvP10: number;
  ltvP50: number;
  ltvP90: number;
  projectedArr: number;
}

export interface CohortWhatIf {
  contracts: ContractWhatIf[];
  totals: { baseline: CohortTotals; scenario: CohortTotals };
}

/**
 * Refuses a scenario the arithmetic cannot take: a term other than 12, 24 or
 * 36 months, a discount outside [0, 100), a price change of −100% or less.
 *
 * @example
 * checkScenario({ termMonths: 18 }); // throws RangeError: term must be 12, 24 or 36 months, got 18
 */
export function checkScenario(s: WhatIfScenario): void {
  if (s.termMonths !== undefined && !(WHATIF_TERMS as readonly number[]).includes(s.termMonths)) {
    throw new RangeError(`term must be ${WHATIF_TERMS.slice(0, -1).join(', ')} or ${WHATIF_TERMS.at(-1)} months, got ${s.termMonths}`);
  }
  if (s.discountPct !== undefined && !(Number.isFinite(s.discountPct) && s.discountPct >= 0 && s.discountPct < 100)) {
    throw new RangeError(`discount must be a percentage from 0 up to (not including) 100, got ${s.discountPct}`);
  }
  if (s.pricePct !== undefined && !(Number.isFinite(s.pricePct) && s.pricePct > -100)) {
    throw new RangeError(`price change must be a percentage above -100, got ${s.pricePct}`);
  }
}

/**
 * How each lever enters the renewal model: the logistic's coefficient on the
 * raw scale (coef / sd of the standardised column), or, for the empirical
 * rate by segment, that it does not.
 *
 * @example
 * whatIfEffects({ kind: 'empirical', bySegment: { smb: 0.7 }, overall: 0.8, nDecisions: 10 }).discount.note;
 * // 'not in the model (the empirical renewal rate by segment): renewal probability held'
 */
export function whatIfEffects(model: RenewalModel): WhatIfEffects {
  if (model.kind === 'empirical') {
    const held = 'not in the model (the empirical renewal rate by segment): renewal probability held';
    return {
      discount: { column: null, logOddsPerUnit: null, note: held },
      price: { column: null, logOddsPerUnit: null, note: `${held}; ACV and margin move by the arithmetic` },
      term: { column: null, logOddsPerUnit: null, note: `${held}; the term moves the renewal dates only` },
    };
  }
  const per = (column: string) => logOddsPerUnit(model, column);
  const said = (column: string, unit: string) => {
    const b = per(column);
    return b === 0 ? `${column}: the decisions it learned from did not vary it, no effect learned: renewal probability held`
      : `${column}: ${signed(b)} log-odds of renewing per ${unit}`;
  };
  const tenure = model.useTenure ? `; tenure at the moved end date: ${said('tenure_years', 'year of tenure')}` : '';
  return {
    discount: { column: 'discount_pct', logOddsPerUnit: per('discount_pct'), note: `${said('discount_pct', 'point of discount')}; the ACV moves with it (price)` },
    price: { column: 'log_acv', logOddsPerUnit: per('log_acv'), note: `${said('log_acv', 'unit of log ACV')} (+10% ACV: ${signed(per('log_acv') * Math.log(1.1))})` },
    term: { column: 'term_years', logOddsPerUnit: per('term_years'), note: `${said('term_years', 'year of term')}${tenure}` },
  };
}

function logOddsPerUnit(model: LogisticRenewalModel, column: string): number {
  const j = model.columns.indexOf(column);
  if (j < 0) throw new Error(`the renewal model has no column ${column}`);
  return model.coef[j + 1] / model.sds[j];
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${Number(x.toPrecision(4))}`;

/**
 * One contract's baseline (its inputs as scored, so its LTV is the stored
 * one exactly) and its scenario.
 *
 * @example
 * const w = contractWhatIf(plan, input, { discountPct: 5 }, { asOf: '2026-11-01', seed: 42 });
 * w.baseline.ltvP50; // the run's stored ltv_p50
 * w.scenario.renewalProbability;
 */
export function contractWhatIf(plan: ScorePlan, input: ScoringInput, scenario: WhatIfScenario, run: ScoringRun): ContractWhatIf {
  checkScenario(scenario);
  const { contract: c, features } = input;
  const base = contractLtv(input.ltv, input.options);
  const notes: string[] = [];
  const ownDiscount = c.discount_pct ?? 0;
  const discountPct = scenario.discountPct ?? c.discount_pct;
  const discountChanges = scenario.discountPct !== undefined && scenario.discountPct !== ownDiscount;
  if (discountChanges && ownDiscount >= 100) throw new RangeError(`contract ${c.contract_id} is discounted 100%: its list price is unknown`);
  if (scenario.discountPct !== undefined && c.discount_pct === null) {
    const read = plan.renewal.kind === 'logistic' && plan.renewal.blankDiscount === 'mean-flagged'
      ? `; the renewal model read the blank as the decisions' mean discount (${Number((plan.renewal.discountFill ?? 0).toPrecision(4))}), flagged, and reads the scenario's as known` : '';
    notes.push(`its discount is blank: its ACV is read as its list price${read}`);
  }
  const acvUsd = c.acv_usd * (1 + (scenario.pricePct ?? 0) / 100) * (discountChanges ? (1 - scenario.discountPct! / 100) / (1 - ownDiscount / 100) : 1);
  // The cost in dollars, as scoring reads it; handed on as dollars only when the ACV moves, so own terms keep the scored inputs bit for bit.
  const costUsd = c.cost_to_serve_annual_usd ?? base.costRatio * c.acv_usd;
  const termMonths = scenario.termMonths ?? c.term_months;
  const endDate = termMonths === c.term_months ? c.end_date : shiftMonths(c.end_date, termMonths - c.term_months);
  if (endDate < run.asOf) notes.push(`signed for ${termMonths} months it would have come up for renewal on ${endDate}, before the run's date: its renewal is decided now`);
  const moved: ActiveContract = {
    ...features, end_date: endDate, discountPct, acvUsd, termMonths,
    ...(features.tenureMonths !== undefined && endDate !== c.end_date
      ? { tenureMonths: Math.max(0, features.tenureMonths + monthsBetweenAverage(c.end_date, endDate)) } : {}),
  };
  const resigned = { ...c, acv_usd: acvUsd, end_date: endDate, term_months: termMonths, cost_to_serve_annual_usd: acvUsd === c.acv_usd ? c.cost_to_serve_annual_usd : costUsd };
  const next = ltvInputOf(plan, resigned, moved, run);
  return {
    contractId: c.contract_id, accountId: c.account_id, segment: c.segment, region: features.region,
    baseline: outcomeOf(base, input.ltv.p_renew_path ?? [], { acvUsd: c.acv_usd, discountPct: c.discount_pct, termMonths: c.term_months, endDate: c.end_date, costUsd }),
    scenario: outcomeOf(contractLtv(next.ltv, next.options), next.ltv.p_renew_path ?? [], { acvUsd, discountPct, termMonths, endDate, costUsd }),
    notes,
  };
}

function outcomeOf(ltv: LtvResult, path: readonly number[], terms: { acvUsd: number; discountPct: number | null; termMonths: number; endDate: string; costUsd: number }): ContractOutcome {
  const margin = terms.acvUsd - terms.costUsd;
  return {
    acvUsd: terms.acvUsd, discountPct: terms.discountPct, termMonths: terms.termMonths, endDate: terms.endDate,
    costToServeAnnualUsd: terms.costUsd, marginAnnualUsd: margin, marginPct: terms.acvUsd > 0 ? margin / terms.acvUsd : null,
    renewalProbability: ltv.pNextRenewal, renewalPath: [...path],
    ltvMean: ltv.expected, ltvP10: ltv.p10, ltvP50: ltv.p50, ltvP90: ltv.p90, ltvOutcomes: ltv.outcomes,
    projectedArr: ltv.projectedArr12m, renewalsInHorizon: ltv.renewalsInHorizon,
  };
}

/**
 * The what-if of every contract of a cohort, with the cohort's totals before and after.
 *
 * @example
 * const w = cohortWhatIf(plan, inputs, { termMonths: 24, discountPct: 10 }, run);
 * w.totals.scenario.ltvMean - w.totals.baseline.ltvMean;
 */
export function cohortWhatIf(plan: ScorePlan, inputs: readonly ScoringInput[], scenario: WhatIfScenario, run: ScoringRun): CohortWhatIf {
  checkScenario(scenario);
  const contracts = inputs.map((input) => contractWhatIf(plan, input, scenario, run));
  return {
    contracts,
    totals: { baseline: totalsOf(contracts.map((w) => w.baseline)), scenario: totalsOf(contracts.map((w) => w.scenario)) },
  };
}

function totalsOf(outcomes: readonly ContractOutcome[]): CohortTotals {
  const sum = (f: (o: ContractOutcome) => number) => outcomes.reduce((s, o) => s + f(o), 0);
  const expectedRenewals = sum((o) => o.renewalProbability);
  return {
    contracts: outcomes.length, acvUsd: sum((o) => o.acvUsd), costToServeAnnualUsd: sum((o) => o.costToServeAnnualUsd),
    marginAnnualUsd: sum((o) => o.marginAnnualUsd), expectedRenewals,
    meanRenewalProbability: outcomes.length ? expectedRenewals / outcomes.length : null,
    ltvMean: sum((o) => o.ltvMean), ltvP10: sum((o) => o.ltvP10), ltvP50: sum((o) => o.ltvP50), ltvP90: sum((o) => o.ltvP90),
    projectedArr: sum((o) => o.projectedArr),
  };
}
