import { describe, expect, it } from 'vitest';
import { contractLtv, costRatioBySegment, expectedExpansion, renewalUplift, type LtvContract } from '../../models/ltv';
import { renewalPath, type LogisticRenewalModel, type RenewalFeatures } from '../../models/renewal';

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
    const fwd = [base, ...others].map((c) => contractLtv(c, opts));
    const rev = [...others].reverse().concat(base).map((c) => contractLtv(c, opts));
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

describe('contractLtv conditioned on what the contract has survived (per-renewal probabilities)', () => {
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  /**
   * A renewal model written by hand: logit q = 0.2 + 0.5 min(renewals so far, 3); every other column has
   * coefficient 0 (means 0, sds 1, so the raw values pass through unchanged).
   */
  const model: LogisticRenewalModel = {
    kind: 'logistic',
    columns: ['renewals_so_far', 'discount_pct', 'log_acv', 'term_years'],
    coef: [0.2, 0.5, 0, 0, 0],
    means: [0, 0, 0, 0],
    sds: [1, 1, 1, 1],
    segmentLevels: ['smb'],
    regionLevels: ['NA'],
    renewalsCap: 3,
    useUsage: false,
    nDecisions: 1000,
    converged: true,
  };
  const features = (renewalsSoFar: number): RenewalFeatures => ({
    segment: 'smb', region: 'NA', renewalsSoFar, discountPct: 0, acvUsd: 12_000, termMonths: 12, usageTrend: null,
  });
  /** Hand closed form: E = ACV · A · Σ_{j=0..4} (Π_{i<j} σ(0.2 + 0.5 min(r + i, 3))) / 1.1^j (renewals at months 12…48). */
  const handExpected = (r: number) => {
    let alive = 1;
    let sum = 0;
    for (let j = 0; j <= 4; j++) {
      sum += alive * 1.1 ** -j;
      alive *= sig(0.2 + 0.5 * Math.min(r + j, 3));
    }
    return 12_000 * A * sum;
  };

  it.each([0, 1, 2, 5])('renewals so far = %i: expected value equals the hand closed form (tol 1e-6 USD)', (r) => {
    const path = renewalPath(model, features(r), 4);
    const res = contractLtv({ ...base, p_renew: path[0], p_renew_path: path }, { asOf, seed: 1 });
    expect(Math.abs(res.expected - handExpected(r))).toBeLessThan(1e-6);
    expect(res.pNextRenewal).toBeCloseTo(sig(0.2 + 0.5 * Math.min(r, 3)), 15);
    expect(res.pAlive12m).toBeCloseTo(sig(0.2 + 0.5 * Math.min(r, 3)), 15);
    expect(res.pAliveByRenewal[2]).toBeCloseTo(sig(0.2 + 0.5 * Math.min(r, 3)) * sig(0.2 + 0.5 * Math.min(r + 1, 3)), 15);
  });

  it('a contract that has survived more renewals is worth more, and more than the same q held flat', () => {
    const v = [0, 1, 2, 3].map((r) => handExpected(r));
    for (let i = 1; i < v.length; i++) expect(v[i]).toBeGreaterThan(v[i - 1]);
    const path = renewalPath(model, features(0), 4);
    const flat = contractLtv({ ...base, p_renew: path[0] }, { asOf, seed: 1 }).expected;
    const conditioned = contractLtv({ ...base, p_renew: path[0], p_renew_path: path }, { asOf, seed: 1 }).expected;
    expect(conditioned).toBeGreaterThan(flat);
  });

  it('the Monte Carlo mean with a path is within 4 standard errors of the closed form (20,000 paths)', () => {
    const path = [0.5, 0.7, 0.85, 0.9];
    const sims = 20_000;
    const r = contractLtv({ ...base, p_renew_path: path }, { asOf, seed: 77, sims });
    // N survived renewals: P(N = k) = alive_k (1 − q_k) for k < 4, P(N = 4) = alive_4.
    const alive = [1, 0.5, 0.35, 0.2975, 0.26775];
    const probs = [0, 1, 2, 3].map((k) => alive[k] * (1 - path[k])).concat([alive[4]]);
    const mean = probs.reduce((s, pk, k) => s + pk * V(k), 0);
    const sd = Math.sqrt(probs.reduce((s, pk, k) => s + pk * (V(k) - mean) ** 2, 0));
    expect(Math.abs(r.expected - mean)).toBeLessThan(1e-6);
    expect(Math.abs(r.simulatedMean - mean)).toBeLessThan((4 * sd) / Math.sqrt(sims));
    // CDF 0.5, 0.65, 0.7025, 0.73225, 1: P10 and P50 are V(0) (the 0.5 atom is reached at rank 10,000 of 20,000,
    // 0 sd away: take P10 only) and P90 is V(4) (0.9 vs 0.732, far apart).
    expect(Math.abs(r.p10 - V(0))).toBeLessThan(1e-6);
    expect(Math.abs(r.p90 - V(4))).toBeLessThan(1e-6);
  });

  it('the last probability of a short path repeats: [0.8] behaves as p_renew = 0.8 (tol 1e-9)', () => {
    const a = contractLtv({ ...base, p_renew: 0.1, p_renew_path: [0.8] }, { asOf, seed: 1 });
    const b = contractLtv({ ...base, p_renew: 0.8 }, { asOf, seed: 1 });
    expect(Math.abs(a.expected - b.expected)).toBeLessThan(1e-9);
    expect(() => contractLtv({ ...base, p_renew_path: [0.5, 1.2] }, { asOf, seed: 1 })).toThrow(/\[0, 1\]/);
  });
});

describe('expectedExpansion', () => {
  it('is P(alive after the J renewals in the horizon) × ACV × ((1 + g)^J − 1), by hand (tolerance 1e-9)', () => {
    expect(expectedExpansion({ renewalsInHorizon: 2, pAliveByRenewal: [1, 0.8, 0.6] }, 1000, 0.1)).toBeCloseTo(0.6 * 1000 * 0.21, 9);
    expect(expectedExpansion({ renewalsInHorizon: 0, pAliveByRenewal: [1] }, 1000, 0.1)).toBe(0);
  });

  it('agrees with contractLtv: a 12-month contract over 5 years faces 5 renewals, all at p (tolerance 1e-9)', () => {
    const r = contractLtv(
      { contract_id: 'C', segment: 'smb', acv_usd: 1000, end_date: '2025-07-01', term_months: 12, cost_to_serve_annual_usd: 0, p_renew: 0.9 },
      { asOf: '2025-01-01', seed: 1, sims: 10 },
    );
    expect(r.renewalsInHorizon).toBe(5);
    expect(expectedExpansion(r, 1000, 0.05)).toBeCloseTo(0.9 ** 5 * 1000 * (1.05 ** 5 - 1), 9);
  });
});

describe('contractLtv: a discrete distribution, said so and read exactly (issue 12: P50 = P90 on 540 of 953 rows)', () => {
  /**
   * The reference, by brute force: every sequence of renew / not at the R
   * decisions (2^R of them, with their probabilities), the contract stopping
   * at its first "not"; the value is V(renewals before it). Quantiles are the
   * inverse CDF of that enumerated distribution: the smallest value whose
   * cumulative probability reaches q.
   */
  function bruteForce(path: readonly number[], R: number) {
    const mass = new Map<number, number>();
    for (let bits = 0; bits < 2 ** R; bits++) {
      let p = 1;
      let survived = 0;
      let alive = true;
      for (let k = 0; k < R; k++) {
        const renews = (bits >> k) & 1;
        const q = path[Math.min(k, path.length - 1)];
        p *= renews ? q : 1 - q;
        if (alive && renews) survived++;
        else alive = false;
      }
      mass.set(V(survived), (mass.get(V(survived)) ?? 0) + p);
    }
    const atoms = [...mass].filter(([, p]) => p > 0).sort((a, b) => a[0] - b[0]);
    const quantile = (q: number) => {
      let cdf = 0;
      for (const [v, p] of atoms) if ((cdf += p) >= q - 1e-12) return v;
      return atoms[atoms.length - 1][0];
    };
    return { outcomes: atoms.length, p10: quantile(0.1), p50: quantile(0.5), p90: quantile(0.9), mean: atoms.reduce((s, [v, p]) => s + v * p, 0) };
  }

  // p = 0.9 (CDF of V(0) exactly 0.1), 0.5 (exactly 0.5) and 0.2 (0.8 + 0.16 = 0.96) put an atom's edge on a quantile,
  // where a Monte Carlo picks either side by chance; the paths are the renewal model's shape (later renewals likelier).
  it.each([
    { path: [0], name: 'never renews' },
    { path: [0.2], name: 'p 0.2' },
    { path: [0.5], name: 'p 0.5' },
    { path: [0.6], name: 'p 0.6' },
    { path: [0.9], name: 'p 0.9' },
    { path: [1], name: 'always renews' },
    { path: [0.5, 0.7, 0.85, 0.9], name: 'a conditioned path' },
    { path: [0.95, 0.97, 0.98, 0.99], name: 'a loyal customer' },
  ])('$name: P10/P50/P90 and the number of outcomes equal the brute-force enumeration (tolerance 1e-6 USD)', ({ path }) => {
    const r = contractLtv({ ...base, p_renew: path[0], p_renew_path: path }, { asOf, seed: 9, sims: 2000 });
    const ref = bruteForce(path, r.renewalsInHorizon);
    expect(r.renewalsInHorizon).toBe(4);
    expect(r.outcomes).toBe(ref.outcomes);
    expect(Math.abs(r.p10 - ref.p10)).toBeLessThan(1e-6);
    expect(Math.abs(r.p50 - ref.p50)).toBeLessThan(1e-6);
    expect(Math.abs(r.p90 - ref.p90)).toBeLessThan(1e-6);
    expect(Math.abs(r.simulatedMean - ref.mean)).toBeLessThan(1e-6);
  });

  // P(N = k) = (1 − p) p^k for k < 4, P(N = 4) = p^4: one outcome spans the CDF from 0.5 to 0.9 only when it is the last
  // (p^4 >= 0.5: renews at all four decisions) or the first (1 − p >= 0.9); the middle ones hold at most p(1 − p) <= 1/4.
  it('P50 = P90 exactly when one outcome spans both: the full-horizon value when p^4 >= 0.5, no renewal when 1 − p >= 0.9', () => {
    for (let i = 0; i <= 100; i++) {
      const p = i / 100;
      const r = contractLtv({ ...base, p_renew: p }, { asOf, seed: 9 });
      expect(r.p50 === r.p90, `p ${p}`).toBe(p ** 4 >= 0.5 || 1 - p >= 0.9 - 1e-12);
      if (p ** 4 >= 0.5) expect(Math.abs(r.p50 - V(4))).toBeLessThan(1e-6);
    }
  });

  it('with expansion noise the LTV is continuous: outcomes is null and the quantiles spread', () => {
    const r = contractLtv({ ...base, p_renew: 0.99 }, { asOf, seed: 9, expansionRate: 0.05, expansionSd: 0.1 });
    expect(r.outcomes).toBeNull();
    expect(r.p50).toBeLessThan(r.p90);
  });
});
