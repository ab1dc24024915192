/**
 * The pricing and term what-if (models/whatif.ts) against closed forms: own
 * terms give back the scored contract bit for bit; a price change the renewal
 * model does not read scales what is proportional to ACV by exactly the
 * factor; a discount or term change moves the renewal probability exactly as
 * the logistic's coefficients say (computed here by hand from coef, means and
 * sds); and a lever the model lacks holds the probability and says so.
 */
import { describe, expect, it } from 'vitest';
import type { DropRows } from '../../contracts/rows';
import { monthsBetweenAverage } from '../../lib/dates';
import type { EmpiricalRenewalModel, LogisticRenewalModel, RenewalModel } from '../../models/renewal';
import { scoringInputs, type ScorePlan, type ScoringInput, type ScoringRows } from '../../models/scoring-inputs';
import { checkScenario, cohortWhatIf, contractWhatIf, whatIfEffects } from '../../models/whatif';

const RUN = { asOf: '2026-11-01', seed: 42 };

type ContractRow = DropRows['contracts'][number];
const contract = (c: Partial<ContractRow> & Pick<ContractRow, 'contract_id' | 'start_date' | 'end_date' | 'term_months' | 'acv_usd'>): ContractRow => ({
  line: 0, account_id: 'A1', opportunity_id: null, previous_contract_id: null, product: null, total_value: c.acv_usd * c.term_months / 12, currency: 'USD',
  discount_pct: null, status: 'active', cost_to_serve_annual: null, total_value_usd: c.acv_usd * c.term_months / 12, cost_to_serve_annual_usd: null, ...c,
});

/** A1: a renewed first contract and its live 24-month renewal at 10% off; A2: one live 12-month contract with a blank discount and its own cost. */
const ROWS: ScoringRows = {
  accounts: [{ account_id: 'A1', segment: 'smb', region: 'NA' }, { account_id: 'A2', segment: 'smb', region: 'EMEA' }],
  contracts: [
    contract({ line: 2, contract_id: 'C0', start_date: '2024-01-01', end_date: '2024-12-31', term_months: 12, acv_usd: 20_000, discount_pct: 5, status: 'renewed' }),
    contract({ line: 3, contract_id: 'C1', previous_contract_id: 'C0', start_date: '2025-01-01', end_date: '2026-12-31', term_months: 24, acv_usd: 24_000, discount_pct: 10 }),
    contract({ line: 4, contract_id: 'C2', account_id: 'A2', start_date: '2026-03-01', end_date: '2027-02-28', term_months: 12, acv_usd: 9_000, cost_to_serve_annual_usd: 1_800 }),
  ],
  usage: [],
};

const EMPIRICAL: EmpiricalRenewalModel = { kind: 'empirical', bySegment: { smb: 0.8 }, overall: 0.7, nDecisions: 50 };

/** A logistic on renewals so far, discount (blank: the fill 8, flagged), log ACV, term and tenure; no segment or region columns (one level each). */
const logistic = (coef: number[]): LogisticRenewalModel => ({
  kind: 'logistic', columns: ['renewals_so_far', 'discount_pct', 'discount_missing', 'log_acv', 'term_years', 'tenure_years'],
  coef, means: [1, 8, 0.2, 10, 1.5, 24], sds: [1, 5, 0.4, 1.2, 0.8, 12], segmentLevels: ['smb'], regionLevels: ['NA'],
  renewalsCap: 3, useUsage: false, useTenure: true, blankDiscount: 'mean-flagged', discountFill: 8, nDecisions: 200, converged: true,
});
const LOGISTIC = logistic([0.9, 0.3, -0.5, 0.1, 0.4, 0.25, 0.2]);

const planOf = (renewal: RenewalModel): ScorePlan => ({ renewal, uplift: { mean: 0.05, n: 10 }, costRatios: { smb: 0.2 }, usage: null });
const inputOf = (plan: ScorePlan, id: string): ScoringInput => scoringInputs(plan, ROWS, RUN, new Set(['A1', 'A2'])).find((x) => x.contract.contract_id === id)!;

/** The logistic's probability by hand: sigmoid(coef0 + Σ coef_j (x_j − mean_j) / sd_j) over the raw columns. */
function byHand(m: LogisticRenewalModel, x: { renewals: number; discount: number | null; acv: number; termMonths: number; tenureMonths: number }): number {
  const raw = [Math.min(x.renewals, 3), x.discount ?? 8, x.discount === null ? 1 : 0, Math.log(x.acv), x.termMonths / 12, x.tenureMonths / 12];
  const eta = raw.reduce((s, v, j) => s + m.coef[j + 1] * (v - m.means[j]) / m.sds[j], m.coef[0]);
  return 1 / (1 + Math.exp(-eta));
}
const pathByHand = (m: LogisticRenewalModel, x: Parameters<typeof byHand>[1]) =>
  Array.from({ length: 8 }, (_, k) => byHand(m, { ...x, renewals: x.renewals + k, tenureMonths: x.tenureMonths + k * x.termMonths }));

const closeAll = (a: readonly number[], b: readonly number[]) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 12));
};

/** C1's tenure at its end date: from its chain's first start. */
const C1_TENURE = monthsBetweenAverage('2024-01-01', '2026-12-31');

describe('what-if with the contract\'s own terms', () => {
  it('gives back the scored inputs bit for bit, however the own terms are spelled', () => {
    for (const model of [EMPIRICAL, LOGISTIC]) {
      const plan = planOf(model);
      for (const id of ['C1', 'C2']) {
        const input = inputOf(plan, id);
        const own = input.contract;
        for (const s of [{}, { termMonths: own.term_months, pricePct: 0 }, ...(own.discount_pct === null ? [] : [{ discountPct: own.discount_pct }])]) {
          const w = contractWhatIf(plan, input, s, RUN);
          expect(w.scenario).toEqual(w.baseline);
          expect(w.baseline.renewalProbability).toBe(input.ltv.p_renew);
        }
      }
    }
  });

  it('reads the contract as scoring does: its renewal probability is the logistic by hand on its own features', () => {
    const w = contractWhatIf(planOf(LOGISTIC), inputOf(planOf(LOGISTIC), 'C1'), {}, RUN);
    const own = { renewals: 1, discount: 10, acv: 24_000, termMonths: 24, tenureMonths: C1_TENURE };
    expect(w.baseline.renewalProbability).toBeCloseTo(byHand(LOGISTIC, own), 14);
    closeAll(w.baseline.renewalPath, pathByHand(LOGISTIC, own));
  });
});

describe('price', () => {
  it('+10% with no ACV effect in the model and no cost to serve scales every ACV-proportional output by exactly 1.1', () => {
    const noAcvEffect = logistic([0.9, 0.3, -0.5, 0.1, 0, 0.25, 0.2]);
    for (const model of [EMPIRICAL, noAcvEffect]) {
      const plan = planOf(model);
      const free = { ...inputOf(plan, 'C2') };
      free.contract = { ...free.contract, cost_to_serve_annual_usd: 0 };
      free.ltv = { ...free.ltv, cost_to_serve_annual_usd: 0 };
      const { baseline: b, scenario: s } = contractWhatIf(plan, free, { pricePct: 10 }, RUN);
      expect(s.renewalPath).toEqual(b.renewalPath);
      for (const k of ['acvUsd', 'marginAnnualUsd', 'ltvMean', 'ltvP10', 'ltvP50', 'ltvP90', 'projectedArr'] as const) {
        expect(b[k]).toBeGreaterThan(0);
        expect(s[k] / b[k]).toBeCloseTo(1.1, 12);
      }
    }
  });

  it('holds the cost to serve in dollars: LTV moves by (1.1 ACV − cost) / (ACV − cost), margin by 0.1 ACV', () => {
    const plan = planOf(EMPIRICAL);
    // C1 has no cost of its own: its segment's ratio 0.2 of its current ACV; C2 has its own 1,800 a year.
    for (const [id, cost] of [['C1', 0.2 * 24_000], ['C2', 1_800]] as const) {
      const { baseline: b, scenario: s } = contractWhatIf(plan, inputOf(plan, id), { pricePct: 10 }, RUN);
      expect(s.costToServeAnnualUsd).toBeCloseTo(cost, 9);
      expect(b.costToServeAnnualUsd).toBeCloseTo(cost, 9);
      expect(s.marginAnnualUsd - b.marginAnnualUsd).toBeCloseTo(0.1 * b.acvUsd, 9);
      const factor = (1.1 * b.acvUsd - cost) / (b.acvUsd - cost);
      for (const k of ['ltvMean', 'ltvP10', 'ltvP50', 'ltvP90'] as const) expect(s[k] / b[k]).toBeCloseTo(factor, 12);
      expect(s.projectedArr / b.projectedArr).toBeCloseTo(1.1, 12);
      expect(s.renewalProbability).toBe(b.renewalProbability);
    }
  });
});

describe('discount', () => {
  it('10% -> 20% moves the logistic exactly by its discount and log-ACV coefficients, and the ACV by 0.8 / 0.9', () => {
    const plan = planOf(LOGISTIC);
    const w = contractWhatIf(plan, inputOf(plan, 'C1'), { discountPct: 20 }, RUN);
    const acv = 24_000 * 0.8 / 0.9;
    expect(w.scenario.acvUsd).toBeCloseTo(acv, 9);
    const moved = { renewals: 1, discount: 20, acv, termMonths: 24, tenureMonths: C1_TENURE };
    expect(w.scenario.renewalProbability).toBeCloseTo(byHand(LOGISTIC, moved), 14);
    closeAll(w.scenario.renewalPath, pathByHand(LOGISTIC, moved));
    // The coefficient's sign is the direction: a deeper discount (-0.5 / 5 a point) and a lower ACV (+0.25 / 1.2 a log unit) both lower it.
    expect(w.scenario.renewalProbability).toBeLessThan(w.baseline.renewalProbability);
    expect(whatIfEffects(LOGISTIC).discount.logOddsPerUnit).toBeCloseTo(-0.5 / 5, 14);
  });

  it('a blank discount reads as the fill (flagged) before, as the new discount after, the ACV as list price', () => {
    const plan = planOf(LOGISTIC);
    const w = contractWhatIf(plan, inputOf(plan, 'C2'), { discountPct: 5 }, RUN);
    const tenure = monthsBetweenAverage('2026-03-01', '2027-02-28');
    expect(w.baseline.renewalProbability).toBeCloseTo(byHand(LOGISTIC, { renewals: 0, discount: null, acv: 9_000, termMonths: 12, tenureMonths: tenure }), 14);
    expect(w.scenario.acvUsd).toBeCloseTo(9_000 * 0.95, 9);
    expect(w.scenario.renewalProbability).toBeCloseTo(byHand(LOGISTIC, { renewals: 0, discount: 5, acv: 9_000 * 0.95, termMonths: 12, tenureMonths: tenure }), 14);
    expect(w.notes).toEqual(["its discount is blank: its ACV is read as its list price; the renewal model read the blank as the decisions' mean discount (8), flagged, and reads the scenario's as known"]);
  });

  it('under the empirical rate by segment, holds the probability and says the discount is not in the model', () => {
    const plan = planOf(EMPIRICAL);
    const w = contractWhatIf(plan, inputOf(plan, 'C1'), { discountPct: 30 }, RUN);
    expect(w.scenario.renewalPath).toEqual(Array(8).fill(0.8));
    expect(w.scenario.acvUsd).toBeCloseTo(24_000 * 0.7 / 0.9, 9);
    expect(whatIfEffects(EMPIRICAL).discount).toEqual({ column: null, logOddsPerUnit: null, note: expect.stringMatching(/^not in the model.*renewal probability held/) });
  });
});

describe('term', () => {
  it('24 -> 12 under the empirical rate: the renewal falls before the run\'s date and is decided now; projected ARR by hand', () => {
    const plan = planOf(EMPIRICAL);
    const w = contractWhatIf(plan, inputOf(plan, 'C1'), { termMonths: 12 }, RUN);
    expect(w.scenario.endDate).toBe('2025-12-31');
    expect(w.notes.join(' ')).toMatch(/decided now/);
    // Baseline: one renewal (in two months) within 12 months; scenario: one now and one at month 12.
    expect(w.baseline.projectedArr).toBeCloseTo(24_000 * 0.8, 9);
    expect(w.scenario.projectedArr).toBeCloseTo(24_000 * 0.8 * 0.8, 9);
    expect(w.scenario.renewalProbability).toBe(0.8);
    // Five years ahead: renewals at about months 2, 26, 50 (24-month term) against 0, 12, 24, 36, 48 (12-month term).
    expect([w.baseline.renewalsInHorizon, w.scenario.renewalsInHorizon]).toEqual([3, 5]);
  });

  it('24 -> 36 under the logistic: term years and the tenure at the moved end date enter by hand', () => {
    const plan = planOf(LOGISTIC);
    const w = contractWhatIf(plan, inputOf(plan, 'C1'), { termMonths: 36 }, RUN);
    expect(w.scenario.endDate).toBe('2027-12-31');
    const moved = { renewals: 1, discount: 10, acv: 24_000, termMonths: 36, tenureMonths: C1_TENURE + 12 };
    closeAll(w.scenario.renewalPath, pathByHand(LOGISTIC, moved));
    expect(w.scenario.acvUsd).toBe(24_000);
  });

  it('a coefficient the decisions never moved (0) says no effect was learned', () => {
    const flat = logistic([0.9, 0.3, -0.5, 0.1, 0.4, 0, 0.2]);
    expect(whatIfEffects(flat).term.note).toMatch(/^term_years: .*no effect learned: renewal probability held/);
    expect(whatIfEffects(EMPIRICAL).term.note).toMatch(/renewal dates only/);
  });
});

describe('cohort and refusals', () => {
  it('totals are the sums of the contracts, before and after', () => {
    const plan = planOf(LOGISTIC);
    const inputs = scoringInputs(plan, ROWS, RUN, new Set(['A1', 'A2']));
    const w = cohortWhatIf(plan, inputs, { termMonths: 36, discountPct: 15 }, RUN);
    expect(w.contracts.map((c) => c.contractId)).toEqual(['C1', 'C2']);
    for (const side of ['baseline', 'scenario'] as const) {
      const t = w.totals[side];
      const [a, b] = w.contracts.map((c) => c[side]);
      expect(t.contracts).toBe(2);
      expect(t.ltvMean).toBe(a.ltvMean + b.ltvMean);
      expect(t.ltvP50).toBe(a.ltvP50 + b.ltvP50);
      expect(t.projectedArr).toBe(a.projectedArr + b.projectedArr);
      expect(t.meanRenewalProbability).toBe((a.renewalProbability + b.renewalProbability) / 2);
    }
  });

  it('refuses a term other than 12, 24 or 36, a discount of 100% or more, a price cut of 100% or more', () => {
    expect(() => checkScenario({ termMonths: 18 })).toThrow(/term must be 12, 24 or 36 months, got 18/);
    expect(() => checkScenario({ discountPct: 100 })).toThrow(/discount/);
    expect(() => checkScenario({ discountPct: -1 })).toThrow(/discount/);
    expect(() => checkScenario({ pricePct: -100 })).toThrow(/price/);
    expect(() => checkScenario({ termMonths: 24, discountPct: 0, pricePct: -99 })).not.toThrow();
  });
});
