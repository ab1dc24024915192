import { describe, expect, it } from 'vitest';
import { contractLtv, costRatioBySegment, portfolioLtv, renewalUplift, type LtvContract } from '../../models/ltv';

const base: LtvContract = {
  contract_id: 'C1',
  segment: 'smb',
  acv_usd: 12_000,
  end_date: '2025-01-01', // renewals at months 12, 24, 36, 48 of a 5-year horizon
  term_months: 12,
  cost_to_serve_annual_usd: null,
  p_renew: 0.6,
};
const asOf = '2024-01-01';
/** Discounted value of one year of monthly payments in advance at 10%/yr, per unit of annual value. */
const A = Array.from({ length: 12 }, (_, i) => 1.1 ** (-i / 12) / 12).reduce((s, x) => s + x, 0);
/** Value if the contract survives exactly `n` renewals (then churns), annual term, no expansion. */
const V = (n: number, acv = 12_000) => acv * A * Array.from({ length: n + 1 }, (_, j) => 1.1 ** -j).reduce((s, x) => s + x, 0);

describe('contractLtv: closed-form expectation', () => {
  it.each([
    { p: 0.6, cost: null, g: 0 },
    { p: 0.8, cost: 1_200, g: 0 }, // cost ratio 0.1
    { p: 1, cost: null, g: 0 },
    { p: 0, cost: null, g: 0 },
    { p: 0.9, cost: null, g: 0.1 },
  ])('p = $p, cost $cost, expansion $g: E = ACV (1 − c) A Σ_j (p (1 + g) / 1.1)^j (tol 1e-6 USD)', ({ p, cost, g }) => {
    const r = contractLtv({ ...base, p_renew: p, cost_to_serve_annual_usd: cost }, { asOf, seed: 1, expansionRate: g });
    const c = cost === null ? 0 : cost / 12_000;
    const q = (p * (1 + g)) / 1.1;
    const want = 12_000 * (1 - c) * A * [0, 1, 2, 3, 4].reduce((s, j) => s + q ** j, 0);
    expect(Math.abs(r.expected - want)).toBeLessThan(1e-6);
    expect(r.renewalsInHorizon).toBe(4);
    expect(r.pAlive12m).toBeCloseTo(p, 12);
    expect(r.projectedArr12m).toBeCloseTo(12_000 * p, 9);
  });

  it('p = 1 equals a 60-month annuity due of ACV/12 at 10%/yr (tol 1e-6 USD)', () => {
    const annuity = Array.from({ length: 60 }, (_, m) => (12_000 / 12) * 1.1 ** (-m / 12)).reduce((s, x) => s + x, 0);
    expect(Math.abs(contractLtv({ ...base, p_renew: 1 }, { asOf, seed: 1 }).expected - annuity)).toBeLessThan(1e-6);
  });

  it('mid-term renewal dates: equals a brute-force month-by-month sum (tol 1e-6 USD)', () => {
    const c = { ...base, end_date: '2024-07-01', term_months: 12, p_renew: 0.7 }; // renewals at months 6, 18, 30, 42, 54
    let want = 0;
    for (let m = 0; m < 60; m++) {
      const renewalsSoFar = [6, 18, 30, 42, 54].filter((t) => t <= m).length;
      want += (12_000 / 12) * 0.7 ** renewalsSoFar * 1.1 ** (-m / 12);
    }
    const r = contractLtv(c, { asOf, seed: 1 });
    expect(Math.abs(r.expected - want)).toBeLessThan(1e-6);
    expect(r.renewalsInHorizon).toBe(5);
    expect(r.pAlive12m).toBeCloseTo(0.7, 12); // one renewal (month 6) by month 12
  });
});

describe('contractLtv: Monte Carlo quantiles', () => {
  // Survived renewals N: P(N = k) = 0.4·0.6^k for k < 4, P(N = 4) = 0.6^4.
  // CDF: 0.4, 0.64, 0.784, 0.8704, 1 -> P10 = V(0), P50 = V(1), P90 = V(4).
  // With 2000 paths the empirical CDF at 0.8704 has sd 0.0075, so the closest
  // call (P90: 0.8704 vs 0.9) is 3.9 sd away and the others further: the atoms
  // are the right ones with MC error far below that, and the seed makes it exact.
  const r = contractLtv(base, { asOf, seed: 20240601, sims: 2000 });
  it('P10 / P50 / P90 are the hand-computed atoms V(0), V(1), V(4) (tol 1e-6 USD)', () => {
    expect(Math.abs(r.p10 - V(0))).toBeLessThan(1e-6);
    expect(Math.abs(r.p50 - V(1))).toBeLessThan(1e-6);
    expect(Math.abs(r.p90 - V(4))).toBeLessThan(1e-6);
  });
  it('the simulated mean is within 4 standard errors of the closed form', () => {
    const probs = [0.4, 0.24, 0.144, 0.0864, 0.1296];
    const mean = probs.reduce((s, pk, k) => s + pk * V(k), 0);
    const sd = Math.sqrt(probs.reduce((s, pk, k) => s + pk * (V(k) - mean) ** 2, 0));
    expect(Math.abs(r.expected - mean)).toBeLessThan(1e-6);
    expect(Math.abs(r.simulatedMean - mean)).toBeLessThan((4 * sd) / Math.sqrt(2000));
  });
  it('is reproducible by seed and independent of batch order; expansion noise spreads the quantiles', () => {
    const others = [{ ...base, contract_id: 'C2', p_renew: 0.9 }, { ...base, contract_id: 'C3', p_renew: 0.3 }];
    const opts = { asOf, seed: 5, expansionRate: 0.05, expansionSd: 0.1 };
    const fwd = portfolioLtv([base, ...others], opts);
    const rev = portfolioLtv([...others].reverse().concat(base), opts);
    expect(rev.find((x) => x.contract_id === 'C1')).toEqual(fwd[0]);
    expect(fwd[0].p10).toBeLessThan(fwd[0].p50);
    expect(fwd[0].p50).toBeLessThan(fwd[0].p90);
    expect(contractLtv(base, { ...opts, seed: 6 }).p90).not.toBe(fwd[0].p90);
  });
});

describe('contractLtv: monotone in the renewal probability', () => {
  it('expected value, P50 and projected ARR never decrease as p rises from 0 to 1', () => {
    const ps = Array.from({ length: 11 }, (_, i) => i / 10);
    const rs = ps.map((p) => contractLtv({ ...base, p_renew: p }, { asOf, seed: 3, expansionRate: 0.05 }));
    for (let i = 1; i < rs.length; i++) {
      expect(rs[i].expected).toBeGreaterThan(rs[i - 1].expected);
      expect(rs[i].p50).toBeGreaterThanOrEqual(rs[i - 1].p50);
      expect(rs[i].projectedArr12m).toBeGreaterThanOrEqual(rs[i - 1].projectedArr12m);
    }
  });
});

describe('history inputs', () => {
  it('renewalUplift: mean and sample sd of ACV ratios at renewal − 1', () => {
    const u = renewalUplift([
      { contract_id: 'A1', previous_contract_id: null, acv_usd: 100 },
      { contract_id: 'A2', previous_contract_id: 'A1', acv_usd: 110 }, // +0.10
      { contract_id: 'B1', previous_contract_id: null, acv_usd: 200 },
      { contract_id: 'B2', previous_contract_id: 'B1', acv_usd: 260 }, // +0.30
      { contract_id: 'Z2', previous_contract_id: 'missing', acv_usd: 999 },
    ]);
    expect(u.n).toBe(2);
    expect(u.mean).toBeCloseTo(0.2, 12);
    expect(u.sd).toBeCloseTo(Math.sqrt(0.02), 12);
  });
  it('costRatioBySegment: median cost / ACV; blank cost falls back to it in contractLtv', () => {
    const ratios = costRatioBySegment([
      { segment: 'smb', acv_usd: 100, cost_to_serve_annual_usd: 10 },
      { segment: 'smb', acv_usd: 100, cost_to_serve_annual_usd: 40 },
      { segment: 'smb', acv_usd: 100, cost_to_serve_annual_usd: 20 },
      { segment: 'enterprise', acv_usd: 100, cost_to_serve_annual_usd: null },
    ]);
    expect(ratios).toEqual({ smb: 0.2 });
    const r = contractLtv({ ...base, p_renew: 1 }, { asOf, seed: 1, costRatioBySegment: ratios });
    expect(r.costRatio).toBe(0.2);
    expect(Math.abs(r.expected - 0.8 * V(4))).toBeLessThan(1e-6);
  });
});
