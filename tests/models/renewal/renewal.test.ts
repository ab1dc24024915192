import { describe, expect, it } from 'vitest';
import {
  chooseL2,
  activeContracts,
  fitLogistic,
  fitRenewalModel,
  logisticObjective,
  predictRenewal,
  renewalDecisions,
  renewalPath,
  scoreRenewals,
  usageSlope,
  usageTrend,
  type RenewalContract,
  type RenewalDecision,
} from '../../../models/renewal';
import { createRng } from '../../../models/random';

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('fitLogistic', () => {
  it('one binary feature: the MLE is the empirical log-odds of each group (closed form, tol 1e-8)', () => {
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 30; i++) (x.push([0]), y.push(i < 10 ? 1 : 0)); // 10 / 30
    for (let i = 0; i < 20; i++) (x.push([1]), y.push(i < 15 ? 1 : 0)); // 15 / 20
    const fit = fitLogistic(x, y);
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.coef[0] - logit(1 / 3))).toBeLessThan(1e-8);
    expect(Math.abs(fit.coef[1] - (logit(3 / 4) - logit(1 / 3)))).toBeLessThan(1e-8);
  });

  it('intercept-only with case weights: the MLE is the logit of the weighted mean (tol 1e-8)', () => {
    const y = [1, 0, 1, 0, 0];
    const w = [3, 1, 2, 1, 3];
    const fit = fitLogistic(y.map(() => []), y, { weights: w });
    expect(Math.abs(fit.coef[0] - logit(5 / 10))).toBeLessThan(1e-8);
  });

  it('with an L2 penalty the fitted point is a stationary maximum (finite-difference gradient < 1e-6)', () => {
    const rng = createRng(3);
    const x = Array.from({ length: 400 }, () => [rng.normal(), rng.normal(), rng.uniform() < 0.5 ? 1 : 0]);
    const y = x.map((r) => (rng.uniform() < sigmoid(0.3 + r[0] - 0.5 * r[1] + 0.8 * r[2]) ? 1 : 0));
    const l2 = 5;
    const fit = fitLogistic(x, y, { l2 });
    const h = 1e-5;
    for (let j = 0; j < fit.coef.length; j++) {
      const up = fit.coef.slice();
      const down = fit.coef.slice();
      up[j] += h;
      down[j] -= h;
      const grad = (logisticObjective(x, y, up, l2) - logisticObjective(x, y, down, l2)) / (2 * h);
      expect(Math.abs(grad)).toBeLessThan(1e-6);
      // and a maximum, not a saddle: moving away lowers the objective
      expect(logisticObjective(x, y, up, l2)).toBeLessThan(fit.objective);
    }
    // the penalty shrinks: every slope is smaller in size than the unpenalised fit's
    const free = fitLogistic(x, y);
    for (let j = 1; j < 4; j++) expect(Math.abs(fit.coef[j])).toBeLessThan(Math.abs(free.coef[j]));
  });

  it('planted truth: recovers known coefficients from 20,000 simulated rows within 0.08 (about 4 standard errors)', () => {
    const rng = createRng(2024);
    const truth = [-0.5, 1.0, -0.7, 0.3];
    const x = Array.from({ length: 20_000 }, () => [rng.normal(), rng.normal(), rng.normal()]);
    const y = x.map((r) => (rng.uniform() < sigmoid(truth[0] + truth[1] * r[0] + truth[2] * r[1] + truth[3] * r[2]) ? 1 : 0));
    const fit = fitLogistic(x, y);
    fit.coef.forEach((b, j) => expect(Math.abs(b - truth[j])).toBeLessThan(0.08));
  });
});

const contract = (c: Partial<RenewalContract> & Pick<RenewalContract, 'contract_id' | 'start_date' | 'end_date'>): RenewalContract => ({
  account_id: 'A',
  previous_contract_id: null,
  term_months: 12,
  discount_pct: null,
  status: 'active',
  acv_usd: 10_000,
  ...c,
});

describe('renewal decisions and active contracts', () => {
  const contracts: RenewalContract[] = [
    contract({ contract_id: 'C1', start_date: '2021-01-01', end_date: '2022-01-01', status: 'renewed', discount_pct: 10 }),
    contract({ contract_id: 'C2', previous_contract_id: 'C1', start_date: '2022-01-01', end_date: '2023-01-01', status: 'active' }),
    contract({ contract_id: 'C3', previous_contract_id: 'C2', start_date: '2023-01-01', end_date: '2025-01-01', term_months: 24 }),
    contract({ contract_id: 'D1', account_id: 'B', start_date: '2022-07-01', end_date: '2023-07-01', status: 'churned' }),
    // ended before asOf, still 'active' in CRM, no successor: a churn decision
    contract({ contract_id: 'E1', account_id: 'B', start_date: '2023-01-01', end_date: '2024-01-01' }),
    // starts after asOf: neither a decision nor active
    contract({ contract_id: 'F1', account_id: 'B', start_date: '2024-09-01', end_date: '2025-09-01' }),
  ];
  const accounts = [
    { account_id: 'A', segment: 'enterprise', region: 'EMEA' },
    { account_id: 'B', segment: 'smb', region: null },
  ];
  const usage = ['2023-01', '2023-02', '2023-03', '2023-04', '2023-05', '2023-06'].map((month, i) => ({
    account_id: 'B',
    month,
    usage_units: i < 3 ? 10 : 5,
  }));
  const asOf = '2024-06-01';

  it('labels each ended contract renewed (successor or status) or churned, with renewals so far', () => {
    const d = renewalDecisions(contracts, accounts, usage, asOf);
    expect(d.map((x) => [x.contract_id, x.renewed, x.renewalsSoFar, x.segment])).toEqual([
      ['C1', true, 0, 'enterprise'],
      ['C2', true, 1, 'enterprise'], // successor C3 exists even though status says active
      ['D1', false, 0, 'smb'],
      ['E1', false, 0, 'smb'],
    ]);
    // D1 ended 2023-07: usage Apr–Jun (15) over Jan–Mar (30)
    expect(d.find((x) => x.contract_id === 'D1')!.usageTrend).toBeCloseTo(0.5, 12);
    expect(d.find((x) => x.contract_id === 'E1')!.usageTrend).toBeNull();
    expect(usageTrend(usage, 'B', '2023-07')).toBeCloseTo(0.5, 12);
  });

  it('usage slope: the least-squares slope of log usage over the nine months before the decision (closed form), null under three months', () => {
    const d = renewalDecisions(contracts, accounts, usage, asOf);
    // D1 (2023-07): months -6..-1 read log 10 three times then log 5; slope = Σ(x - x̄)y / Σ(x - x̄)² = -4.5 ln 2 / 17.5
    expect(d.find((x) => x.contract_id === 'D1')!.usageSlope).toBeCloseTo((-9 / 35) * Math.LN2, 12);
    // E1 (2024-01): only Apr–Jun 2023 (5, 5, 5) fall in its nine months: flat
    expect(d.find((x) => x.contract_id === 'E1')!.usageSlope).toBeCloseTo(0, 12);
    expect(usageSlope(usage, 'B', '2023-03')).toBeNull();
    // A month without a row is skipped, not read as zero usage: doubling every month with March missing is still log 2 a month.
    const doubling = [1, 2, 4, 5].map((k) => ({ account_id: 'X', month: `2024-0${k}`, usage_units: 2 ** k }));
    expect(usageSlope(doubling, 'X', '2024-06')).toBeCloseTo(Math.LN2, 12);
  });

  it('latent usage trends: the filtered monthly change of log units, and of log users when the rows carry them, before the decision', () => {
    // B's users double every month (with a little noise) while its units stay flat: each trend follows its own column.
    const wiggle = [0.02, -0.01, 0.015, -0.02, 0.01, 0, -0.015, 0.02, -0.005, 0.01, -0.01, 0.005];
    const months = wiggle.map((_, i) => `2022-${String(i + 1).padStart(2, '0')}`);
    const rows = months.map((month, i) => ({ account_id: 'B', month, usage_units: 100 * Math.exp(wiggle[i]), active_users: Math.round(2 ** (i + 1) * Math.exp(wiggle[i])) }));
    const d1 = (u: typeof rows | Omit<(typeof rows)[number], 'active_users'>[]) =>
      renewalDecisions(contracts, accounts, u, asOf).find((x) => x.contract_id === 'D1')!;
    expect(d1(rows).usersLatentTrend).toBeCloseTo(Math.LN2, 1);
    expect(d1(rows).usageLatentTrend).toBeCloseTo(0, 1);
    expect(d1(rows.map(({ active_users: _, ...u }) => u)).usersLatentTrend).toBeNull();
    // C1's account has no usage at all: unknown, not zero.
    expect(renewalDecisions(contracts, accounts, rows, asOf).find((x) => x.contract_id === 'C1')!.usageLatentTrend).toBeNull();
  });

  it('tenure is months from the chain\'s first start to the decision (end date): 12, 24 for C1, C2; 48 for active C3', () => {
    const d = renewalDecisions(contracts, accounts, usage, asOf);
    expect(d.map((x) => [x.contract_id, x.tenureMonths])).toEqual([['C1', 12], ['C2', 24], ['D1', 12], ['E1', 12]]);
    expect(activeContracts(contracts, accounts, usage, asOf)[0].tenureMonths).toBe(48);
  });

  it('active contracts are live at asOf without a successor', () => {
    expect(activeContracts(contracts, accounts, usage, asOf).map((c) => [c.contract_id, c.renewalsSoFar])).toEqual([['C3', 2]]);
  });

  it('too few decisions: empirical renewal rate by segment, shrunk toward (r + 1) / (n + 2) overall', () => {
    const { model, scores } = scoreRenewals(contracts, accounts, usage, asOf, { shrinkage: 2 });
    expect(model.kind).toBe('empirical');
    if (model.kind !== 'empirical') return;
    const overall = (2 + 1) / (4 + 2);
    expect(model.overall).toBeCloseTo(overall, 12);
    expect(model.bySegment.enterprise).toBeCloseTo((2 + 2 * overall) / (2 + 2), 12); // 0.75
    expect(model.bySegment.smb).toBeCloseTo((0 + 2 * overall) / (2 + 2), 12); // 0.25
    expect(scores).toEqual([
      { contract_id: 'C3', account_id: 'A', end_date: '2025-01-01', segment: 'enterprise', p_renew: 0.75, method: 'empirical' },
    ]);
  });
});

describe('fitRenewalModel on a planted-truth simulation', () => {
  // True renewal log-odds, as a function of the features the model sees.
  const trueEta = (d: Omit<RenewalDecision, 'contract_id' | 'account_id' | 'decided_at' | 'renewed'>) =>
    1.2 -
    (d.segment === 'smb' ? 0.8 : d.segment === 'mid_market' ? 0.3 : 0) +
    (d.region === 'EMEA' ? 0.25 : 0) -
    0.04 * (d.discountPct ?? 0) +
    0.3 * Math.min(d.renewalsSoFar, 3) +
    0.2 * Math.log(d.acvUsd / 10_000) +
    0.2 * (d.termMonths / 12 - 1) +
    0.5 * Math.log(d.usageTrend!);
  const rng = createRng(99);
  const segments = ['enterprise', 'mid_market', 'smb'];
  const decisions: RenewalDecision[] = Array.from({ length: 20_000 }, (_, i) => {
    const f = {
      segment: segments[rng.int(0, 2)],
      region: rng.uniform() < 0.4 ? 'EMEA' : 'NA',
      renewalsSoFar: rng.int(0, 5),
      discountPct: rng.int(0, 30),
      acvUsd: 10_000 * Math.exp(rng.normal(0, 0.8)),
      termMonths: [12, 24, 36][rng.int(0, 2)],
      usageTrend: Math.exp(rng.normal(0, 0.3)),
    };
    return { contract_id: `C${i}`, account_id: `A${i}`, decided_at: '2023-01-01', renewed: rng.uniform() < sigmoid(trueEta(f)), ...f };
  });
  const model = fitRenewalModel(decisions);
  it.each([
    { segment: 'enterprise', region: 'NA', renewalsSoFar: 0, discountPct: 0, acvUsd: 10_000, termMonths: 12, usageTrend: 1 },
    { segment: 'smb', region: 'EMEA', renewalsSoFar: 2, discountPct: 25, acvUsd: 4_000, termMonths: 12, usageTrend: 0.7 },
    { segment: 'mid_market', region: 'NA', renewalsSoFar: 5, discountPct: 10, acvUsd: 50_000, termMonths: 36, usageTrend: 1.4 },
    { segment: 'smb', region: 'NA', renewalsSoFar: 1, discountPct: 30, acvUsd: 2_000, termMonths: 24, usageTrend: 0.6 },
  ])('predicts the true renewal probability within 0.03 for $segment / $region / discount $discountPct', (f) => {
    expect(model.kind).toBe('logistic');
    expect(Math.abs(predictRenewal(model, f) - sigmoid(trueEta(f)))).toBeLessThan(0.03);
  });
});

describe('renewalPath: later renewals use the model with renewals so far and tenure advanced', () => {
  it('equals predictRenewal on hand-advanced features (tol 1e-15), and rises when the model rewards renewals so far', () => {
    const rng = createRng(11);
    const decisions: RenewalDecision[] = Array.from({ length: 3000 }, (_, i) => {
      const renewalsSoFar = rng.int(0, 4);
      const termMonths = 12;
      const f = { segment: 'smb', region: 'NA', renewalsSoFar, discountPct: 0, acvUsd: 10_000, termMonths, usageTrend: 1, tenureMonths: 12 * (renewalsSoFar + 1) };
      return { contract_id: `C${i}`, account_id: `A${i}`, decided_at: '2023-01-01', renewed: rng.uniform() < sigmoid(0.2 + 0.5 * Math.min(renewalsSoFar, 3)), ...f };
    });
    const model = fitRenewalModel(decisions);
    const now = { segment: 'smb', region: 'NA', renewalsSoFar: 1, discountPct: 0, acvUsd: 10_000, termMonths: 12, usageTrend: 1, tenureMonths: 24 };
    const path = renewalPath(model, now, 3);
    expect(path).toHaveLength(3);
    for (let k = 0; k < 3; k++) {
      const want = predictRenewal(model, { ...now, renewalsSoFar: 1 + k, tenureMonths: 24 + 12 * k });
      expect(Math.abs(path[k] - want)).toBeLessThan(1e-15);
    }
    expect(path[1]).toBeGreaterThan(path[0]);
    expect(path[2]).toBeGreaterThan(path[1]);
  });
});

describe('chooseL2: the penalty picked by cross-validated log loss', () => {
  // Deterministic pseudo-random features (a fixed LCG), so the test is reproducible.
  const lcg = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const design = (n: number, p: number, rand: () => number) => Array.from({ length: n }, () => Array.from({ length: p }, () => rand() * 2 - 1));

  it('pure-noise covariates on few rows: a strong penalty (>= 10, ten times the old fixed 1) wins', () => {
    const rand = lcg(1);
    const x = design(120, 12, rand);
    const y = x.map(() => (rand() < 0.7 ? 1 : 0));
    expect(chooseL2(x, y)).toBeGreaterThanOrEqual(10);
  });

  it('one strong covariate on many rows: a weak penalty wins (shrinking it would cost fit)', () => {
    const rand = lcg(2);
    const x = design(4000, 2, rand);
    const y = x.map((r) => (rand() < 1 / (1 + Math.exp(-4 * r[0])) ? 1 : 0));
    expect(chooseL2(x, y)).toBeLessThanOrEqual(3);
  });
});

describe('a blank discount', () => {
  // Outcomes driven by the true discount; a fifth of the exports leave it blank at random.
  const rng = createRng(11);
  const decisions: RenewalDecision[] = Array.from({ length: 4000 }, (_, i) => {
    const discount = rng.uniform() * 30;
    return {
      contract_id: `C${i}`, account_id: `A${i}`, decided_at: '2024-01-01', segment: 'smb', region: 'NA', renewalsSoFar: 0,
      discountPct: rng.uniform() < 0.2 ? null : discount, acvUsd: 10_000, termMonths: 12, usageTrend: null,
      renewed: rng.uniform() < sigmoid(1 - 0.1 * discount),
    };
  });
  const blank = decisions.filter((d) => d.discountPct === null);
  const renewedShare = blank.filter((d) => d.renewed).length / blank.length;
  const meanPredicted = (model: ReturnType<typeof fitRenewalModel>) => blank.reduce((s, d) => s + predictRenewal(model, d), 0) / blank.length;

  it('reads as the mean discount, flagged: blank contracts are predicted at their renewal rate (within 0.05)', () => {
    const model = fitRenewalModel(decisions);
    const known = decisions.filter((d) => d.discountPct !== null);
    expect(model).toMatchObject({ blankDiscount: 'mean-flagged' });
    expect((model as { discountFill: number }).discountFill).toBeCloseTo(known.reduce((s, d) => s + d.discountPct!, 0) / known.length, 10);
    expect(Math.abs(meanPredicted(model) - renewedShare)).toBeLessThan(0.05);
  });

  it('read as no discount (the first models) overstates their renewal by more than 0.15', () => {
    const model = fitRenewalModel(decisions, { features: { usage: false, tenure: false, blankDiscount: 'zero' } });
    expect(meanPredicted(model) - renewedShare).toBeGreaterThan(0.15);
  });
});
