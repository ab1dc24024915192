/**
 * Lifetime value of active contracts over a horizon (first cut).
 *
 * Cash flows monthly: ACV/12 × (1 − cost ratio) while the contract is alive,
 * discounted at `(1 + discountRate)^(−m/12)` for month m = 0 … 12·H − 1
 * (month 0 = the month starting at `asOf`). The contract is alive now; it
 * comes up for renewal at its end date and every `term_months` after, and
 * renews at its k-th upcoming renewal with probability q_k; on each renewal
 * its ACV grows by the expansion rate g. So with S_j the discounted months
 * between renewal j and j+1 (in years) and P_j = q_1 ⋯ q_j the probability of
 * being alive after j renewals,
 *
 *   E[LTV] = ACV (1 − c) Σ_j P_j (1 + g)^j S_j.
 *
 * Survival is conditioned on what the contract has already survived: the q_k
 * come from the covariate renewal model applied to this contract with
 * renewals so far and tenure advanced k − 1 renewals (`renewalPath` in
 * renewal/model.ts), passed as `p_renew_path`. We chose this over a conditional
 * KM/sBG curve S(t + u) / S(t) because the covariate model already knows the
 * contract's segment, region, discount and usage as well as its tenure, and
 * its renewals-so-far effect is what makes later renewals likelier (the same
 * selection an sBG expresses through heterogeneity). Without a path every
 * q_k is `p_renew` (independent renewals with one probability).
 *
 * Cost to serve is a ratio of ACV (the contract's own annual cost over its
 * ACV, else its segment's median ratio, else 0), so it scales with expansion.
 * Revenue counts as cash collected: with a collection history (option
 * `collection`) each billed dollar is worth the segment's collection rate,
 * discounted for its mean payment delay, κ = rate × (1 + r)^(−delay/365), so
 * the net flow is ACV (κ − c) where it was ACV (1 − c); the cost is paid in
 * full whatever the customer pays. Projected ARR stays billing (ACV × P(alive)).
 * The figure ACV (1 − c) above then reads ACV (κ − c).
 * The LTV is a function of the number N of renewals survived, P(N ≥ k) = P_k,
 * so with a fixed expansion rate it takes at most R + 1 values (R renewals in
 * the horizon): its P10/P50/P90 are that distribution's inverse CDF, exact,
 * and two of them tie whenever one outcome spans both (see
 * `LtvResult.outcomes`). When `expansionSd > 0`, a per-path expansion rate
 * g ~ Normal(expansionRate, expansionSd) (uncertainty in the account's growth)
 * makes it continuous, and the quantiles come from a seeded Monte Carlo: the
 * ⌈q·sims⌉-th smallest of the simulated values.
 */
import { collectionFactor } from './finance/collections';
import { createGenerator, createRng, deriveSeed } from './random';
import { monthsBetweenAverage } from '../lib/dates';

export interface LtvContract {
  contract_id: string;
  segment: string;
  acv_usd: number;
  end_date: string;
  term_months: number;
  cost_to_serve_annual_usd: number | null;
  /** Probability of renewing at each renewal decision (e.g. from `scoreRenewals`). */
  p_renew: number;
  /**
   * Probabilities of renewing at the 1st, 2nd, … upcoming renewal, conditioned
   * on the contract's history (e.g. `renewalPath(model, features, n)`); the
   * last entry repeats past its end. When given it replaces `p_renew`.
   */
  p_renew_path?: readonly number[];
}

export interface LtvOptions {
  asOf: string;
  /** Seed of the Monte Carlo (e.g. `runSeed(month, dropHash)`); each contract gets its own sub-stream. */
  seed: number;
  horizonYears?: number;
  /** Annual discount rate. Default 0.10. */
  discountRate?: number;
  /** ACV uplift per renewal (e.g. `renewalUplift(...).mean`). Default 0. */
  expansionRate?: number;
  /** Per-path noise on the expansion rate. Default 0 (Monte Carlo over renewal outcomes only). */
  expansionSd?: number;
  /** Segment -> median cost-to-serve / ACV, used when a contract's cost is null. */
  costRatioBySegment?: Readonly<Record<string, number>>;
  /** Monte Carlo paths. Default 2000. */
  sims?: number;
  /**
   * How the contract's segment pays (finance/collections.ts): each billed
   * dollar counts as `rate` collected `delayDays` later, discounted at
   * `discountRate` for the wait. Cost to serve is paid in full either way.
   * Segments not listed take `overall`; without it every dollar billed is
   * collected at once.
   */
  collection?: { overall: { rate: number; delayDays: number }; bySegment: Readonly<Record<string, { rate: number; delayDays: number }>> };
}

export interface LtvResult {
  contract_id: string;
  /** Closed-form expected discounted net value over the horizon. */
  expected: number;
  /** Mean of the distribution the quantiles come from: `expected` itself when expansionSd = 0, else the simulated paths' mean. */
  simulatedMean: number;
  /**
   * How many values the LTV can take: with expansionSd = 0 it is a function of
   * the number of renewals survived, so at most renewalsInHorizon + 1 (null:
   * continuous, expansionSd > 0). A discrete LTV ties its quantiles: P50 = P90
   * whenever the contract more likely than not renews at every decision in the
   * horizon (P(N = R) ≥ 0.5), both then being the full-horizon value.
   */
  outcomes: number | null;
  p10: number;
  p50: number;
  p90: number;
  /** Renewal decisions that fall inside the horizon. */
  renewalsInHorizon: number;
  /** Probability of renewing at the next renewal decision. */
  pNextRenewal: number;
  /** P(alive after j renewals), j = 0 … renewalsInHorizon. */
  pAliveByRenewal: number[];
  pAlive12m: number;
  /** ACV × P(alive in 12 months). */
  projectedArr12m: number;
  costRatio: number;
  /** What a billed dollar is worth in collected cash (1 without a collection history). */
  collectionFactor: number;
}

/** Discounted years per renewal stage: stage j = months after j renewals and before j+1. */
function stageWeights(contract: LtvContract, asOf: string, horizonYears: number, discountRate: number): { stages: number[]; renewalsBy12: number } {
  const months = Math.round(horizonYears * 12);
  if (!(contract.term_months > 0)) throw new RangeError(`contract ${contract.contract_id}: term_months must be > 0`);
  const first = Math.max(0, monthsBetweenAverage(asOf, contract.end_date));
  const stages: number[] = [0];
  let renewals = 0;
  let nextRenewal = first;
  let renewalsBy12 = 0;
  const monthly = Math.pow(1 + discountRate, -1 / 12);
  let df = 1;
  for (let m = 0; m < months; m++) {
    while (nextRenewal <= m + 1e-9) {
      renewals++;
      nextRenewal += contract.term_months;
      stages.push(0);
    }
    stages[renewals] += df / 12;
    df *= monthly;
  }
  // Renewals decided by month 12 (the 12-month mark itself included).
  let t = first;
  while (t <= 12 + 1e-9) {
    renewalsBy12++;
    t += contract.term_months;
  }
  // Trailing stages created by a renewal at the very end carry no months.
  while (stages.length > 1 && stages[stages.length - 1] === 0) stages.pop();
  return { stages, renewalsBy12 };
}

/**
 * Cost-to-serve ratio of one contract: its annual cost over its ACV, else the
 * segment's ratio, else 0.
 *
 * @example
 * costRatioOf({ contract_id: 'C', segment: 'smb', acv_usd: 1000, end_date: '2025-01-01', term_months: 12, cost_to_serve_annual_usd: 150, p_renew: 0.8 }); // 0.15
 */
export function costRatioOf(contract: LtvContract, bySegment: Readonly<Record<string, number>> = {}): number {
  const cost = contract.cost_to_serve_annual_usd;
  if (cost !== null && contract.acv_usd > 0) return cost / contract.acv_usd;
  return bySegment[contract.segment] ?? 0;
}

/**
 * Expected LTV, projected 12-month ARR and simulated P10/P50/P90 of one contract.
 *
 * @example
 * const r = contractLtv(
 *   { contract_id: 'C1', segment: 'smb', acv_usd: 12000, end_date: '2025-01-01', term_months: 12, cost_to_serve_annual_usd: null, p_renew: 0.8 },
 *   { asOf: '2024-01-01', seed: 42 },
 * );
 * r.pAlive12m; // 0.8 (renewal at month 12)
 */
export function contractLtv(contract: LtvContract, options: LtvOptions): LtvResult {
  const horizonYears = options.horizonYears ?? 5;
  const discountRate = options.discountRate ?? 0.1;
  const g = options.expansionRate ?? 0;
  const gSd = options.expansionSd ?? 0;
  const sims = options.sims ?? 2000;
  const path = contract.p_renew_path && contract.p_renew_path.length > 0 ? contract.p_renew_path : [contract.p_renew];
  for (const q of path) {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`contract ${contract.contract_id}: renewal probabilities must be in [0, 1], got ${q}`);
  }
  if (!(sims >= 1) || !Number.isInteger(sims)) throw new RangeError(`sims must be a positive integer, got ${sims}`);
  const renewProb = (k: number): number => path[Math.min(k, path.length - 1)];

  const { stages, renewalsBy12 } = stageWeights(contract, options.asOf, horizonYears, discountRate);
  const costRatio = costRatioOf(contract, options.costRatioBySegment);
  const paying = options.collection ? (options.collection.bySegment[contract.segment] ?? options.collection.overall) : null;
  const collected = paying ? collectionFactor(paying, discountRate) : 1;
  const base = contract.acv_usd * (collected - costRatio);
  const R = stages.length - 1;
  // alive[j] = P(survives the first j renewals) = q_0 ⋯ q_{j−1}, far enough for the 12-month mark too.
  const alive = [1];
  for (let j = 1; j <= Math.max(R, renewalsBy12); j++) alive.push(alive[j - 1] * renewProb(j - 1));

  let expected = 0;
  for (let j = 0; j <= R; j++) expected += alive[j] * Math.pow(1 + g, j) * stages[j];
  expected *= base;

  const value = (survived: number, growth: number): number => {
    let v = 0;
    let mult = 1;
    for (let j = 0; j <= survived; j++) {
      v += mult * stages[j];
      mult *= 1 + growth;
    }
    return base * v;
  };

  let simulatedMean = 0;
  let q10: number;
  let q50: number;
  let q90: number;
  let outcomes: number | null = null;
  if (gSd === 0) {
    // N renewals survived takes R + 1 values with P(N = k) = alive[k] − alive[k + 1] (P(N = R) = alive[R]), and the
    // value is a function of N alone: read the quantiles off that distribution exactly instead of simulating it.
    const atoms = Array.from({ length: R + 1 }, (_, k) => ({ v: value(k, g), p: alive[k] - (k < R ? alive[k + 1] : 0) }))
      .filter((a) => a.p > 0).sort((a, b) => a.v - b.v);
    for (const a of atoms) simulatedMean += a.v * a.p;
    outcomes = new Set(atoms.map((a) => a.v)).size;
    const inverseCdf = (q: number): number => {
      let cdf = 0;
      // 1e-12: a CDF summed in floating point must still reach a q it equals exactly (1 − 0.9 is 0.09999999999999998).
      for (const a of atoms) if ((cdf += a.p) >= q - 1e-12) return a.v;
      return atoms[atoms.length - 1].v;
    };
    q10 = inverseCdf(0.1);
    q50 = inverseCdf(0.5);
    q90 = inverseCdf(0.9);
  } else {
    const streamSeed = deriveSeed(options.seed, contract.contract_id);
    // Survived renewals N has P(N >= k) = alive[k], non-increasing in k: with u uniform (32 bits),
    // N = #{1 <= k <= R : u < alive[k]}. Thresholds are scaled to integers so the hot loop compares raw draws.
    const atLeast = Array.from({ length: R + 2 }, (_, k) => (k <= R ? alive[k] * 4294967296 : -1));
    const gen = createGenerator(streamSeed);
    const drawSurvived = (): number => {
      const u = gen.unsafeNext() >>> 0;
      let k = 0;
      while (u < atLeast[k + 1]) k++;
      return k;
    };
    const rank = (q: number): number => Math.max(0, Math.ceil(q * sims) - 1);
    const rng = createRng(streamSeed ^ 0x5bd1e995);
    const values = new Float64Array(sims);
    for (let s = 0; s < sims; s++) {
      const survived = drawSurvived();
      values[s] = value(survived, rng.normal(g, gSd));
      simulatedMean += values[s] / sims;
    }
    values.sort();
    q10 = values[rank(0.1)];
    q50 = values[rank(0.5)];
    q90 = values[rank(0.9)];
  }

  const pAlive12m = alive[renewalsBy12];
  return {
    contract_id: contract.contract_id,
    expected,
    simulatedMean,
    outcomes,
    p10: q10,
    p50: q50,
    p90: q90,
    renewalsInHorizon: R,
    pNextRenewal: renewProb(0),
    pAliveByRenewal: alive.slice(0, R + 1),
    pAlive12m,
    projectedArr12m: contract.acv_usd * pAlive12m,
    costRatio,
    collectionFactor: collected,
  };
}


/** Renewal pair columns: a renewal contract and the ACV of what it renews. */
export interface UpliftContract {
  contract_id: string;
  previous_contract_id: string | null;
  acv_usd: number;
}

/**
 * The ACV a contract is expected to have gained by the horizon's end: it must
 * be alive after all J renewals inside the horizon, each compounding the
 * uplift g, so P(alive after J) × ACV × ((1 + g)^J − 1).
 *
 * @example
 * expectedExpansion({ renewalsInHorizon: 2, pAliveByRenewal: [1, 0.8, 0.6] }, 1000, 0.1); // 0.6 × 1000 × 0.21 = 126
 */
export function expectedExpansion(ltv: Pick<LtvResult, 'renewalsInHorizon' | 'pAliveByRenewal'>, acvUsd: number, upliftRate: number): number {
  const J = ltv.renewalsInHorizon;
  return ltv.pAliveByRenewal[J] * acvUsd * ((1 + upliftRate) ** J - 1);
}

/**
 * Historical expansion at renewal: mean and sample sd of
 * ACV(renewal) / ACV(previous) − 1 over renewal pairs with a positive previous ACV.
 *
 * @example
 * renewalUplift([
 *   { contract_id: 'A1', previous_contract_id: null, acv_usd: 100 },
 *   { contract_id: 'A2', previous_contract_id: 'A1', acv_usd: 110 },
 * ]); // { mean: 0.1, sd: 0, n: 1 }
 */
export function renewalUplift(contracts: readonly UpliftContract[]): { mean: number; sd: number; n: number } {
  const acv = new Map(contracts.map((c) => [c.contract_id, c.acv_usd]));
  const ratios: number[] = [];
  for (const c of contracts) {
    if (c.previous_contract_id === null) continue;
    const prev = acv.get(c.previous_contract_id);
    if (prev !== undefined && prev > 0) ratios.push(c.acv_usd / prev - 1);
  }
  const n = ratios.length;
  if (n === 0) return { mean: 0, sd: 0, n: 0 };
  const mean = ratios.reduce((s, r) => s + r, 0) / n;
  const sd = n > 1 ? Math.sqrt(ratios.reduce((s, r) => s + (r - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

/**
 * Median cost-to-serve / ACV by segment over contracts that report a cost.
 *
 * @example
 * costRatioBySegment([
 *   { segment: 'smb', acv_usd: 100, cost_to_serve_annual_usd: 10 },
 *   { segment: 'smb', acv_usd: 100, cost_to_serve_annual_usd: 30 },
 * ]); // { smb: 0.2 }
 */
export function costRatioBySegment(
  contracts: readonly { segment: string; acv_usd: number; cost_to_serve_annual_usd: number | null }[],
): Record<string, number> {
  const bySeg = new Map<string, number[]>();
  for (const c of contracts) {
    if (c.cost_to_serve_annual_usd === null || !(c.acv_usd > 0)) continue;
    const list = bySeg.get(c.segment) ?? [];
    list.push(c.cost_to_serve_annual_usd / c.acv_usd);
    bySeg.set(c.segment, list);
  }
  const out: Record<string, number> = {};
  for (const [seg, list] of [...bySeg].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    list.sort((a, b) => a - b);
    const mid = list.length >> 1;
    out[seg] = list.length % 2 ? list[mid] : (list[mid - 1] + list[mid]) / 2;
  }
  return out;
}
