import { describe, expect, it } from 'vitest';
import { fitSbg, fitSbgAtRisk, projectRetention, sbgAtRiskLogLikelihood, sbgChurnProbabilities, sbgLogLikelihood, sbgRetention, sbgSurvival } from '../../models/sbg';
import { logGamma } from '../../models/survival';

const logBeta = (a: number, b: number) => logGamma(a) + logGamma(b) - logGamma(a + b);

describe('fitSbg reproduces Fader & Hardie (2007), "How to Project Customer Retention"', () => {
  // Survivors of 1000 customers acquired in year 0, years 0–7, as the paper lists them. The paper's
  // log-likelihoods follow from its formula (B3) at its estimates; the fit must reach the same maximum.
  const regular = [1000, 631, 468, 382, 326, 289, 262, 241];
  const highEnd = [1000, 869, 743, 653, 593, 551, 517, 491];
  it('regular customers: α = 0.704, β = 1.182 (published to 3 dp, tol 5e-4); LL = −1680.3 (1 dp, tol 0.05)', () => {
    const fit = fitSbg(regular);
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.alpha - 0.704)).toBeLessThan(5e-4);
    expect(Math.abs(fit.beta - 1.182)).toBeLessThan(5e-4);
    expect(Math.abs(fit.logLikelihood - -1680.3)).toBeLessThan(0.05);
  });
  it('high-end customers: α = 0.668, β = 3.806 (tol 5e-4); LL = −1611.2 (tol 0.05)', () => {
    const fit = fitSbg(highEnd);
    expect(Math.abs(fit.alpha - 0.668)).toBeLessThan(5e-4);
    expect(Math.abs(fit.beta - 3.806)).toBeLessThan(5e-4);
    expect(Math.abs(fit.logLikelihood - -1611.2)).toBeLessThan(0.05);
  });
  it('the fitted point is a maximum: central-difference gradient in (α, β) below 1e-3 per unit', () => {
    const fit = fitSbg(regular);
    const h = 1e-5;
    const ll = (a: number, b: number) => sbgLogLikelihood({ alpha: a, beta: b }, regular);
    expect(Math.abs((ll(fit.alpha + h, fit.beta) - ll(fit.alpha - h, fit.beta)) / (2 * h))).toBeLessThan(1e-3);
    expect(Math.abs((ll(fit.alpha, fit.beta + h) - ll(fit.alpha, fit.beta - h)) / (2 * h))).toBeLessThan(1e-3);
    expect(ll(fit.alpha * 1.01, fit.beta)).toBeLessThan(fit.logLikelihood);
  });
  it('projection to year 12: retention rises toward 1 and S(t) = Π r(k)', () => {
    const p = projectRetention(regular, 12);
    expect(p.survival).toHaveLength(13);
    expect(p.retention).toHaveLength(12);
    for (let t = 1; t < 12; t++) expect(p.retention[t]).toBeGreaterThan(p.retention[t - 1]);
    for (let t = 1; t <= 12; t++) expect(Math.abs(p.survival[t] - p.survival[t - 1] * p.retention[t - 1])).toBeLessThan(1e-15);
  });
});

describe('sBG formulas against closed forms', () => {
  it.each([
    { alpha: 0.704, beta: 1.182 },
    { alpha: 3, beta: 0.5 },
    { alpha: 1, beta: 1 },
  ])('α = $alpha, β = $beta: S(t) = B(α, β + t) / B(α, β) and P(T = t) = B(α + 1, β + t − 1) / B(α, β) (rel tol 1e-10)', (params) => {
    const s = sbgSurvival(params, 10);
    const pt = sbgChurnProbabilities(params, 10);
    for (let t = 1; t <= 10; t++) {
      const sWant = Math.exp(logBeta(params.alpha, params.beta + t) - logBeta(params.alpha, params.beta));
      const pWant = Math.exp(logBeta(params.alpha + 1, params.beta + t - 1) - logBeta(params.alpha, params.beta));
      expect(Math.abs(s[t] / sWant - 1)).toBeLessThan(1e-10);
      expect(Math.abs(pt[t - 1] / pWant - 1)).toBeLessThan(1e-10);
      expect(Math.abs(s[t - 1] - s[t] - pt[t - 1])).toBeLessThan(1e-12);
    }
  });
  it('α = β = 1: S(t) = 1 / (t + 1), r(t) = t / (t + 1) (tol 1e-15)', () => {
    const s = sbgSurvival({ alpha: 1, beta: 1 }, 5);
    s.forEach((v, t) => expect(Math.abs(v - 1 / (t + 1))).toBeLessThan(1e-15));
    expect(sbgRetention({ alpha: 1, beta: 1 }, 3)).toBeCloseTo(3 / 4, 15);
  });
  it('planted truth: survivors equal to the expected counts of a known (α, β) give back (α, β) (tol 1e-4)', () => {
    const truth = { alpha: 1.7, beta: 4.2 };
    const survivors = sbgSurvival(truth, 8).map((s) => 1e6 * s);
    const fit = fitSbg(survivors);
    expect(Math.abs(fit.alpha - truth.alpha)).toBeLessThan(1e-4);
    expect(Math.abs(fit.beta - truth.beta)).toBeLessThan(1e-4);
  });
  it('rejects survivor counts that rise or are negative', () => {
    expect(() => fitSbg([100, 120])).toThrow(/must not increase/);
    expect(() => fitSbg([100])).toThrow(/at least one later/);
    expect(() => fitSbg([100, -1])).toThrow(/count >= 0/);
  });
});

describe('sBG on renewal decisions pooled over censored cohorts', () => {
  const regular = [1000, 631, 468, 382, 326, 289, 262, 241];
  const atRisk = regular.slice(0, -1);
  const churned = atRisk.map((n, t) => n - regular[t + 1]);

  it('equals the survivor-count likelihood for one fully observed cohort (tolerance 1e-9)', () => {
    const p = { alpha: 0.704, beta: 1.182 };
    expect(sbgAtRiskLogLikelihood(p, atRisk, churned)).toBeCloseTo(sbgLogLikelihood(p, regular), 9);
  });

  it("fits Fader & Hardie's regular customers from decisions: alpha 0.704, beta 1.182 (tolerance 5e-4)", () => {
    const fit = fitSbgAtRisk(atRisk, churned);
    expect(fit.alpha).toBeCloseTo(0.704, 3);
    expect(Math.abs(fit.alpha - 0.704)).toBeLessThan(5e-4);
    expect(Math.abs(fit.beta - 1.182)).toBeLessThan(5e-4);
  });

  it('adding a younger cohort censored after two decisions, drawn from the same process, keeps the estimate (tolerance 0.05)', () => {
    // Two copies of the regular cohort's first two years: expected counts under the fitted process, so the MLE cannot move much.
    const young = [1000, 631, 468];
    const pooledAtRisk = atRisk.map((n, t) => n + (t < 2 ? young[t] : 0));
    const pooledChurned = churned.map((d, t) => d + (t < 2 ? young[t] - young[t + 1] : 0));
    const fit = fitSbgAtRisk(pooledAtRisk, pooledChurned);
    expect(Math.abs(fit.alpha - 0.704)).toBeLessThan(0.05);
    expect(Math.abs(fit.beta - 1.182)).toBeLessThan(0.05 * 1.182 * 2);
  });

  it('refuses more churned than at risk, naming the decision', () => {
    expect(() => fitSbgAtRisk([10, 5], [3, 6])).toThrow(/decision 2/);
  });
});
