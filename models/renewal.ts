/**
 * Renewal probability of active contracts, learned from past renewal decisions.
 *
 * A *decision* is a contract that ended before `asOf`: renewed when another
 * contract names it as `previous_contract_id` (or its status is `renewed`),
 * churned otherwise. Features are those known at the decision: the account's
 * segment and region, renewals so far (length of its previous-contract
 * chain), tenure (months from the start of the chain's first contract to
 * this contract's end date), discount, log ACV, term, and the account's usage
 * trend: now the change of log usage units, and of log active users when the
 * rows carry them, over the last six months before the contract's end month
 * as a Kalman filter of the account's whole usage history reads it
 * (models/usage-trend.ts; before, the least-squares slope of the nine
 * months before, and first the ratio of two three-month sums, which stored
 * models keep reading). The first-cut model is an
 * L2-regularised logistic regression fitted by Newton–IRLS; with too few
 * decisions (or only one outcome) it falls back to the empirical renewal
 * rate by segment, shrunk toward the overall rate.
 */
import { linearRegression, mean } from 'simple-statistics';
import { choleskySolve } from './linalg';
import { monthIndex, monthsBetweenAverage } from '../lib/dates';
import { fitUsageDynamics, latentTrend, type UsageDynamics } from './usage-trend';

/** Contract columns the renewal model reads (a projection of ContractRow). */
export interface RenewalContract {
  contract_id: string;
  account_id: string;
  previous_contract_id: string | null;
  start_date: string;
  end_date: string;
  term_months: number;
  discount_pct: number | null;
  status: 'active' | 'renewed' | 'churned' | 'expired';
  acv_usd: number;
}

export interface RenewalAccount {
  account_id: string;
  segment: string;
  region: string | null;
}

export interface RenewalUsage {
  account_id: string;
  month: string;
  usage_units: number;
  /**
   * Users active that month. Optional: callers that load only usage_units
   * still work, without the users' trend (usersLatentTrend).
   */
  active_users?: number | null;
}

export interface RenewalFeatures {
  segment: string;
  region: string | null;
  renewalsSoFar: number;
  discountPct: number | null;
  acvUsd: number;
  termMonths: number;
  /** Usage of the 3 months before the reference month over the 3 before those; null when unknown. */
  usageTrend: number | null;
  /**
   * Monthly change of log usage: the least-squares slope over the months with
   * usage among the USAGE_SLOPE_MONTHS before the reference month; null with
   * fewer than USAGE_SLOPE_MIN_MONTHS of them. Optional so that features built
   * before it existed still score; a model uses it only when its training
   * decisions carried it.
   */
  usageSlope?: number | null;
  /**
   * Monthly change of log usage units over the USAGE_TREND_MONTHS months
   * before the reference month, as a Kalman filter of the account's whole
   * usage history reads it (models/usage-trend.ts); null when the account has
   * no usage before the reference month. Optional, like usageSlope: a model
   * uses it only when its training decisions carried it.
   */
  usageLatentTrend?: number | null;
  /**
   * The same trend of the account's active users (a count, whose sampling
   * noise the filter knows); null when the usage rows do not carry users or
   * the account has none before the reference month.
   */
  usersLatentTrend?: number | null;
  /**
   * Months from the start of the first contract of the renewal chain to this
   * contract's end date (the decision). Optional so that features built
   * before tenure was a covariate still score; a model uses it only when its
   * training decisions carried it.
   */
  tenureMonths?: number;
}

export interface RenewalDecision extends RenewalFeatures {
  contract_id: string;
  account_id: string;
  decided_at: string;
  renewed: boolean;
}

export interface ActiveContract extends RenewalFeatures {
  contract_id: string;
  account_id: string;
  end_date: string;
}

// ---------------------------------------------------------------------------
// Logistic regression

export interface LogisticOptions {
  /** L2 penalty λ on every coefficient but the intercept: maximises ℓ(β) − λ/2 Σ β_j². Default 0. */
  l2?: number;
  /** Optional case weights. */
  weights?: readonly number[];
  maxIter?: number;
  /** Stop when the largest Newton step is below this. Default 1e-10. */
  tol?: number;
}

export interface LogisticFit {
  /** [intercept, β_1, …, β_p] for the columns of X. */
  coef: number[];
  /** Penalised log-likelihood at `coef`. */
  objective: number;
  iterations: number;
  converged: boolean;
}

const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * Penalised log-likelihood ℓ(β) − λ/2 Σ_{j≥1} β_j² of a logistic model with intercept.
 *
 * @example
 * logisticObjective([[0], [1]], [0, 1], [0, 0]); // 2 * Math.log(0.5)
 */
export function logisticObjective(
  x: readonly (readonly number[])[],
  y: readonly number[],
  coef: readonly number[],
  l2 = 0,
  weights?: readonly number[],
): number {
  let ll = 0;
  for (let i = 0; i < x.length; i++) {
    let eta = coef[0];
    for (let j = 0; j < x[i].length; j++) eta += coef[j + 1] * x[i][j];
    ll += (weights ? weights[i] : 1) * (y[i] * eta - softplus(eta));
  }
  let pen = 0;
  for (let j = 1; j < coef.length; j++) pen += coef[j] * coef[j];
  return ll - (l2 / 2) * pen;
}

/**
 * Fit a logistic regression with intercept by Newton–Raphson (IRLS) with an
 * L2 penalty and step halving. X has no intercept column; y is 0/1.
 *
 * @example
 * // one binary feature: the MLE is the empirical log-odds of each group
 * const fit = fitLogistic([[0], [0], [0], [1], [1], [1]], [0, 0, 1, 1, 1, 0]);
 * fit.coef; // ≈ [Math.log(1 / 2), Math.log(4)]
 */
export function fitLogistic(
  x: readonly (readonly number[])[],
  y: readonly number[],
  options: LogisticOptions = {},
): LogisticFit {
  const n = x.length;
  if (n === 0) throw new RangeError('fitLogistic: no rows');
  if (y.length !== n) throw new RangeError(`fitLogistic: ${n} rows of X but ${y.length} outcomes`);
  const p = x[0].length + 1;
  const l2 = options.l2 ?? 0;
  const maxIter = options.maxIter ?? 100;
  const tol = options.tol ?? 1e-10;
  const w = options.weights;
  const beta = new Array<number>(p).fill(0);
  let objective = logisticObjective(x, y, beta, l2, w);
  let iterations = 0;
  let converged = false;

  for (; iterations < maxIter && !converged; iterations++) {
    const grad = new Array<number>(p).fill(0);
    const hess: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    const row = new Array<number>(p);
    row[0] = 1;
    for (let i = 0; i < n; i++) {
      for (let j = 1; j < p; j++) row[j] = x[i][j - 1];
      let eta = 0;
      for (let j = 0; j < p; j++) eta += beta[j] * row[j];
      const mu = sigmoid(eta);
      const wi = w ? w[i] : 1;
      const r = wi * (y[i] - mu);
      const v = wi * mu * (1 - mu);
      for (let j = 0; j < p; j++) {
        grad[j] += r * row[j];
        const vj = v * row[j];
        for (let k = 0; k <= j; k++) hess[j][k] += vj * row[k];
      }
    }
    for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) hess[k][j] = hess[j][k];
    for (let j = 1; j < p; j++) {
      grad[j] -= l2 * beta[j];
      hess[j][j] += l2;
    }
    // A tiny ridge keeps a rank-deficient unpenalised design solvable.
    for (let j = 0; j < p; j++) hess[j][j] += 1e-12;
    const step = choleskySolve(hess, grad);
    let scale = 1;
    let next = beta.map((b, j) => b + step[j]);
    let nextObjective = logisticObjective(x, y, next, l2, w);
    while (nextObjective < objective - 1e-12 * Math.abs(objective) && scale > 1e-8) {
      scale /= 2;
      next = beta.map((b, j) => b + scale * step[j]);
      nextObjective = logisticObjective(x, y, next, l2, w);
    }
    const maxStep = Math.max(...step.map((s) => Math.abs(s * scale)));
    for (let j = 0; j < p; j++) beta[j] = next[j];
    objective = nextObjective;
    if (maxStep < tol) converged = true;
  }
  return { coef: beta, objective, iterations, converged };
}

// ---------------------------------------------------------------------------
// Decisions and features

function buildUsageIndex(usage: readonly RenewalUsage[]): Map<string, Map<number, number>> {
  const byAccount = new Map<string, Map<number, number>>();
  for (const u of usage) {
    let m = byAccount.get(u.account_id);
    if (!m) byAccount.set(u.account_id, (m = new Map()));
    m.set(monthIndex(u.month), (m.get(monthIndex(u.month)) ?? 0) + u.usage_units);
  }
  return byAccount;
}

/**
 * Usage trend of an account at a reference month: total usage of the three
 * months before it over the three months before those. Null when either
 * window has no rows or the earlier window totals zero.
 *
 * @example
 * usageTrend([
 *   { account_id: 'A', month: '2024-01', usage_units: 10 }, { account_id: 'A', month: '2024-02', usage_units: 10 },
 *   { account_id: 'A', month: '2024-03', usage_units: 10 }, { account_id: 'A', month: '2024-04', usage_units: 20 },
 *   { account_id: 'A', month: '2024-05', usage_units: 20 }, { account_id: 'A', month: '2024-06', usage_units: 20 },
 * ], 'A', '2024-07'); // 2
 */
export function usageTrend(usage: readonly RenewalUsage[], accountId: string, refMonth: string): number | null {
  return trendFromIndex(buildUsageIndex(usage), accountId, monthIndex(refMonth));
}

function trendFromIndex(index: Map<string, Map<number, number>>, accountId: string, ref: number): number | null {
  const m = index.get(accountId);
  if (!m) return null;
  let recent = 0;
  let earlier = 0;
  let nRecent = 0;
  let nEarlier = 0;
  for (let k = 1; k <= 3; k++) {
    const r = m.get(ref - k);
    if (r !== undefined) {
      recent += r;
      nRecent++;
    }
    const e = m.get(ref - 3 - k);
    if (e !== undefined) {
      earlier += e;
      nEarlier++;
    }
  }
  if (nRecent === 0 || nEarlier === 0 || earlier <= 0) return null;
  return recent / earlier;
}

/** Three quarters: long enough that a month's noise is averaged out, short enough to follow a change of course. */
export const USAGE_SLOPE_MONTHS = 9;
/** A slope through two points is one month's noise; three is the fewest that averages any. */
export const USAGE_SLOPE_MIN_MONTHS = 3;

/**
 * Monthly change of log usage of an account before a reference month: the
 * least-squares slope of log(usage) on month over the months with positive
 * usage among the USAGE_SLOPE_MONTHS before it. A missing month is skipped,
 * not read as zero (the drop has no row for a month nobody used). Null with
 * fewer than USAGE_SLOPE_MIN_MONTHS such months.
 *
 * @example
 * // usage doubling every month: the slope is log 2 per month
 * usageSlope([1, 2, 3, 4].map((k) => ({ account_id: 'A', month: `2024-0${k}`, usage_units: 2 ** k })), 'A', '2024-05'); // Math.LN2
 */
export function usageSlope(usage: readonly RenewalUsage[], accountId: string, refMonth: string): number | null {
  return slopeFromIndex(buildUsageIndex(usage), accountId, monthIndex(refMonth));
}

function slopeFromIndex(index: Map<string, Map<number, number>>, accountId: string, ref: number): number | null {
  const m = index.get(accountId);
  if (!m) return null;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 1; k <= USAGE_SLOPE_MONTHS; k++) {
    const u = m.get(ref - k);
    if (u !== undefined && u > 0) {
      xs.push(-k);
      ys.push(Math.log(u));
    }
  }
  if (xs.length < USAGE_SLOPE_MIN_MONTHS) return null;
  return linearRegression(xs.map((x, i) => [x, ys[i]])).m;
}

/** Half a year: long enough to be a trend a customer acts on, short enough to be the current one. */
export const USAGE_TREND_MONTHS = 6;
/** The dynamics of usage are fitted on at most this many accounts' series: enough to pin six numbers, and bounded in cost. */
const USAGE_DYNAMICS_MAX_ACCOUNTS = 2000;

/** One usage column read through the filter: each account's log values by month and the dynamics fitted to them. */
interface LatentSeries {
  dynamics: UsageDynamics | null;
  /** Log value by month from `firstMonth` (NaN: none that month), per account. */
  series: Map<string, number[]>;
  firstMonth: number;
}

interface LatentUsage {
  units: LatentSeries;
  /** Null when the usage rows do not all carry active users. */
  users: LatentSeries | null;
}

const latentUsageCache = new WeakMap<readonly RenewalUsage[], LatentUsage>();

/**
 * Usage units and, when every row carries them, active users, each read
 * through its own filter, once per usage table (renewalDecisions and
 * activeContracts read the same one). Both go to the model: which of them
 * carries the trend a customer's renewal follows (seats in use, or
 * consumption) depends on the product, and the logistic weighs them.
 */
function latentUsageOf(usage: readonly RenewalUsage[]): LatentUsage {
  const cached = latentUsageCache.get(usage);
  if (cached) return cached;
  const withUsers = usage.length > 0 && usage.every((u) => typeof u.active_users === 'number');
  const out = {
    units: latentSeriesOf(usage, (u) => u.usage_units),
    users: withUsers ? latentSeriesOf(usage, (u) => u.active_users as number) : null,
  };
  latentUsageCache.set(usage, out);
  return out;
}

function latentSeriesOf(usage: readonly RenewalUsage[], value: (u: RenewalUsage) => number): LatentSeries {
  const totals = new Map<string, Map<number, number>>();
  let firstMonth = Infinity;
  let lastMonth = -Infinity;
  for (const u of usage) {
    const k = monthIndex(u.month);
    firstMonth = Math.min(firstMonth, k);
    lastMonth = Math.max(lastMonth, k);
    let m = totals.get(u.account_id);
    if (!m) totals.set(u.account_id, (m = new Map()));
    m.set(k, (m.get(k) ?? 0) + value(u));
  }
  const series = new Map<string, number[]>();
  for (const [account, m] of totals) {
    const y = new Array<number>(lastMonth - firstMonth + 1).fill(NaN);
    for (const [k, v] of m) if (v > 0) y[k - firstMonth] = Math.log(v);
    series.set(account, y);
  }
  const all = [...series.values()];
  const every = Math.max(1, Math.ceil(all.length / USAGE_DYNAMICS_MAX_ACCOUNTS));
  const sample = all.filter((_, i) => i % every === 0);
  return { dynamics: sample.length > 0 ? fitUsageDynamics(sample) : null, series, firstMonth };
}

function latentTrendOf(latent: LatentSeries | null, accountId: string, ref: number): number | null {
  const y = latent?.series.get(accountId);
  if (!latent || !y || !latent.dynamics) return null;
  const last = ref - 1 - latent.firstMonth;
  if (last < 0) return null;
  return latentTrend(y, latent.dynamics, last, USAGE_TREND_MONTHS);
}

interface ContractIndex {
  byId: Map<string, RenewalContract>;
  hasSuccessor: Set<string>;
  renewalsSoFar: (id: string) => number;
  /** Start date of the first contract of the chain `id` belongs to. */
  chainStart: (id: string) => string;
}

function indexContracts(contracts: readonly RenewalContract[]): ContractIndex {
  const byId = new Map<string, RenewalContract>();
  const hasSuccessor = new Set<string>();
  for (const c of contracts) byId.set(c.contract_id, c);
  for (const c of contracts) {
    if (c.previous_contract_id !== null && byId.has(c.previous_contract_id)) hasSuccessor.add(c.previous_contract_id);
  }
  const depth = new Map<string, number>();
  const renewalsSoFar = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    // Walk up the chain iteratively; a cycle (invalid data) stops the walk.
    const chain: string[] = [];
    const seen = new Set<string>();
    let cur: string | null = id;
    let base = -1;
    while (cur !== null && byId.has(cur) && !seen.has(cur)) {
      const d = depth.get(cur);
      if (d !== undefined) {
        base = d;
        break;
      }
      seen.add(cur);
      chain.push(cur);
      cur = byId.get(cur)!.previous_contract_id;
    }
    for (let i = chain.length - 1; i >= 0; i--) depth.set(chain[i], ++base);
    return depth.get(id)!;
  };
  const chainStart = (id: string): string => {
    // renewalsSoFar(id) steps back along previous_contract_id reach the chain's first contract.
    let cur = byId.get(id)!;
    for (let k = renewalsSoFar(id); k > 0; k--) cur = byId.get(cur.previous_contract_id!)!;
    return cur.start_date;
  };
  return { byId, hasSuccessor, renewalsSoFar, chainStart };
}

function featuresOf(
  c: RenewalContract,
  accounts: Map<string, RenewalAccount>,
  usage: Map<string, Map<number, number>>,
  latent: LatentUsage,
  idx: ContractIndex,
  refMonth: number,
): RenewalFeatures {
  const a = accounts.get(c.account_id);
  return {
    segment: a?.segment ?? '(unknown)',
    region: a?.region ?? null,
    renewalsSoFar: idx.renewalsSoFar(c.contract_id),
    discountPct: c.discount_pct,
    acvUsd: c.acv_usd,
    termMonths: c.term_months,
    usageTrend: trendFromIndex(usage, c.account_id, refMonth),
    usageSlope: slopeFromIndex(usage, c.account_id, refMonth),
    usageLatentTrend: latentTrendOf(latent.units, c.account_id, refMonth),
    usersLatentTrend: latentTrendOf(latent.users, c.account_id, refMonth),
    tenureMonths: Math.max(0, monthsBetweenAverage(idx.chainStart(c.contract_id), c.end_date)),
  };
}

/**
 * The renewal decisions observable at `asOf`: every contract whose end_date is
 * before `asOf`, with the features known when it was decided.
 *
 * @example
 * const d = renewalDecisions(
 *   [
 *     { contract_id: 'C1', account_id: 'A', previous_contract_id: null, start_date: '2022-01-01', end_date: '2023-01-01', term_months: 12, discount_pct: 10, status: 'renewed', acv_usd: 1000 },
 *     { contract_id: 'C2', account_id: 'A', previous_contract_id: 'C1', start_date: '2023-01-01', end_date: '2024-01-01', term_months: 12, discount_pct: 0, status: 'churned', acv_usd: 1100 },
 *   ],
 *   [{ account_id: 'A', segment: 'smb', region: 'NA' }], [], '2024-06-01');
 * d.map((x) => [x.contract_id, x.renewed, x.renewalsSoFar]); // [['C1', true, 0], ['C2', false, 1]]
 */
export function renewalDecisions(
  contracts: readonly RenewalContract[],
  accounts: readonly RenewalAccount[],
  usage: readonly RenewalUsage[],
  asOf: string,
): RenewalDecision[] {
  const idx = indexContracts(contracts);
  const acc = new Map(accounts.map((a) => [a.account_id, a]));
  const use = buildUsageIndex(usage);
  const latent = latentUsageOf(usage);
  const out: RenewalDecision[] = [];
  for (const c of contracts) {
    if (!(c.end_date < asOf)) continue;
    out.push({
      contract_id: c.contract_id,
      account_id: c.account_id,
      decided_at: c.end_date,
      renewed: idx.hasSuccessor.has(c.contract_id) || c.status === 'renewed',
      ...featuresOf(c, acc, use, latent, idx, monthIndex(c.end_date)),
    });
  }
  return out;
}

/**
 * Contracts live at `asOf` whose renewal is still to be decided: started on or
 * before `asOf`, ending on or after it, not yet renewed by a successor, and
 * not already churned or expired. Usage trend is taken at the month of `asOf`.
 *
 * @example
 * activeContracts(contracts, accounts, usage, '2024-06-01').map((c) => c.contract_id);
 */
export function activeContracts(
  contracts: readonly RenewalContract[],
  accounts: readonly RenewalAccount[],
  usage: readonly RenewalUsage[],
  asOf: string,
): ActiveContract[] {
  const idx = indexContracts(contracts);
  const acc = new Map(accounts.map((a) => [a.account_id, a]));
  const use = buildUsageIndex(usage);
  const latent = latentUsageOf(usage);
  const ref = monthIndex(asOf);
  const out: ActiveContract[] = [];
  for (const c of contracts) {
    if (c.start_date > asOf || c.end_date < asOf) continue;
    if (idx.hasSuccessor.has(c.contract_id) || c.status === 'churned' || c.status === 'expired') continue;
    out.push({ contract_id: c.contract_id, account_id: c.account_id, end_date: c.end_date, ...featuresOf(c, acc, use, latent, idx, ref) });
  }
  return out;
}

// ---------------------------------------------------------------------------
// The renewal model

/**
 * How usage enters the model: the ratio of two three-month sums (the first
 * models'), the least-squares slope of log usage over nine months, or the
 * filtered trend of the last six (see the module comment).
 */
export type UsageMeasure = 'trend-ratio' | 'log-slope' | 'latent-trend';
/** What a blank discount is read as: no discount (the first models') or the decisions' mean discount, flagged. */
export type BlankDiscount = 'zero' | 'mean-flagged';

export interface RenewalModelOptions {
  /** Below this many decisions (or with a single outcome) use the empirical fallback. Default 100. */
  minDecisions?: number;
  /** L2 penalty on the standardised coefficients. Default: chosen by 5-fold cross-validated log loss (see chooseL2). */
  l2?: number;
  /** Renewals-so-far is capped at this. Default 3. */
  renewalsCap?: number;
  /** Pseudo-decisions shrinking a segment's empirical rate toward the overall rate. Default 5. */
  shrinkage?: number;
  /**
   * Whether the usage-trend and tenure columns are in the model. Default: when any decision has them. A refit of
   * an earlier model's specification fixes them, so a model fitted without tenure is judged without it.
   */
  features?: { usage: boolean; tenure: boolean; usageMeasure?: UsageMeasure; blankDiscount?: BlankDiscount; users?: boolean };
}

export interface LogisticRenewalModel {
  kind: 'logistic';
  /** Names of the columns of `coef` after the intercept. */
  columns: string[];
  /** [intercept, …] on standardised columns. */
  coef: number[];
  means: number[];
  sds: number[];
  segmentLevels: string[];
  regionLevels: string[];
  renewalsCap: number;
  useUsage: boolean;
  /** Whether the tenure column is in the model (absent in models fitted before it existed). */
  useTenure?: boolean;
  /** Absent in models fitted before the slope existed: those read the trend ratio. */
  usageMeasure?: UsageMeasure;
  /** Whether the active users' trend is a column beside the usage units' (latent-trend models whose decisions carried users). */
  useUsers?: boolean;
  /** Absent in models fitted before blanks were filled: those read a blank as 0. */
  blankDiscount?: BlankDiscount;
  /** The mean discount of the training decisions that had one: what a blank reads as under 'mean-flagged'. */
  discountFill?: number;
  nDecisions: number;
  /** The L2 penalty used (given, or chosen by cross-validation). */
  l2?: number;
  /** How `l2` came about: a refit of this specification on other decisions chooses it again, or keeps the given one. */
  penalty?: 'cross-validated' | 'given';
  converged: boolean;
}

export interface EmpiricalRenewalModel {
  kind: 'empirical';
  /** Renewed share by segment, shrunk toward `overall`. */
  bySegment: Record<string, number>;
  /** (renewed + 1) / (decisions + 2). */
  overall: number;
  nDecisions: number;
}

export type RenewalModel = LogisticRenewalModel | EmpiricalRenewalModel;

const UNKNOWN_REGION = '(unknown)';

function rawRow(f: RenewalFeatures, m: Omit<LogisticRenewalModel, 'coef' | 'means' | 'sds' | 'converged' | 'nDecisions' | 'kind' | 'columns'>): number[] {
  const row: number[] = [];
  // Reference level (index 0) is left out of the one-hot encoding.
  for (let i = 1; i < m.segmentLevels.length; i++) row.push(f.segment === m.segmentLevels[i] ? 1 : 0);
  const region = f.region ?? UNKNOWN_REGION;
  for (let i = 1; i < m.regionLevels.length; i++) row.push(region === m.regionLevels[i] ? 1 : 0);
  row.push(Math.min(f.renewalsSoFar, m.renewalsCap));
  if (m.blankDiscount === 'mean-flagged') {
    row.push(f.discountPct ?? m.discountFill ?? 0);
    row.push(f.discountPct === null ? 1 : 0);
  } else row.push(f.discountPct ?? 0);
  row.push(Math.log(Math.max(f.acvUsd, 1)));
  row.push(f.termMonths / 12);
  // A slope past ±0.5 a month (usage ×1.6 or ÷1.6 every month) is a tiny base, not a trend worth its leverage.
  const clip = (v: number) => Math.max(-0.5, Math.min(0.5, v));
  if (m.useUsage && (m.usageMeasure === 'log-slope' || m.usageMeasure === 'latent-trend')) {
    const s = (m.usageMeasure === 'log-slope' ? f.usageSlope : f.usageLatentTrend) ?? null;
    row.push(s === null ? 0 : clip(s));
    // Users the scoring rows lack read as the units' trend: the same quantity, the change of log usage a month.
    if (m.usageMeasure === 'latent-trend' && m.useUsers) row.push(clip(f.usersLatentTrend ?? s ?? 0));
    row.push(s === null ? 1 : 0);
  } else if (m.useUsage) {
    const t = f.usageTrend;
    row.push(t === null || t <= 0 ? 0 : Math.max(-3, Math.min(3, Math.log(t))));
    row.push(t === null ? 1 : 0);
  }
  if (m.useTenure) row.push((f.tenureMonths ?? 0) / 12);
  return row;
}

/** Levels by descending frequency (ties by name), so the reference is the most common. */
function levelsOf(values: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);
}

/**
 * Fit the renewal model on past decisions: L2-logistic when there are enough
 * decisions of both outcomes, else the shrunk empirical rate by segment.
 *
 * @example
 * const model = fitRenewalModel(renewalDecisions(contracts, accounts, usage, '2024-06-01'));
 * predictRenewal(model, activeContracts(contracts, accounts, usage, '2024-06-01')[0]);
 */
export function fitRenewalModel(decisions: readonly RenewalDecision[], options: RenewalModelOptions = {}): RenewalModel {
  const minDecisions = options.minDecisions ?? 100;
  const renewalsCap = options.renewalsCap ?? 3;
  const shrinkage = options.shrinkage ?? 5;
  const nRenewed = decisions.reduce((s, d) => s + (d.renewed ? 1 : 0), 0);
  const n = decisions.length;

  if (n < minDecisions || nRenewed === 0 || nRenewed === n) {
    const overall = (nRenewed + 1) / (n + 2);
    const bySeg = new Map<string, { n: number; r: number }>();
    for (const d of decisions) {
      const s = bySeg.get(d.segment) ?? { n: 0, r: 0 };
      s.n++;
      if (d.renewed) s.r++;
      bySeg.set(d.segment, s);
    }
    const bySegment: Record<string, number> = {};
    for (const [seg, s] of [...bySeg].sort()) bySegment[seg] = (s.r + shrinkage * overall) / (s.n + shrinkage);
    return { kind: 'empirical', bySegment, overall, nDecisions: n };
  }

  const segmentLevels = levelsOf(decisions.map((d) => d.segment));
  const regionLevels = levelsOf(decisions.map((d) => d.region ?? UNKNOWN_REGION));
  const usageMeasure = options.features?.usageMeasure
    ?? (decisions.some((d) => d.usageLatentTrend !== undefined) ? 'latent-trend'
      : decisions.some((d) => d.usageSlope !== undefined) ? 'log-slope' : 'trend-ratio');
  const measured = (d: RenewalDecision) => (usageMeasure === 'latent-trend' ? d.usageLatentTrend ?? null
    : usageMeasure === 'log-slope' ? d.usageSlope ?? null : d.usageTrend);
  const useUsage = options.features?.usage ?? decisions.some((d) => measured(d) !== null);
  const useTenure = options.features?.tenure ?? decisions.some((d) => d.tenureMonths !== undefined);
  const blankDiscount = options.features?.blankDiscount ?? 'mean-flagged';
  const known = decisions.filter((d) => d.discountPct !== null).map((d) => d.discountPct as number);
  const discountFill = known.length ? mean(known) : 0;
  const useUsers = usageMeasure === 'latent-trend' && useUsage
    && (options.features?.users ?? decisions.some((d) => (d.usersLatentTrend ?? null) !== null));
  const shape = { segmentLevels, regionLevels, renewalsCap, useUsage, useTenure, usageMeasure, useUsers, blankDiscount, discountFill };
  const columns = [
    ...segmentLevels.slice(1).map((s) => `segment=${s}`),
    ...regionLevels.slice(1).map((r) => `region=${r}`),
    'renewals_so_far',
    'discount_pct',
    ...(blankDiscount === 'mean-flagged' ? ['discount_missing'] : []),
    'log_acv',
    'term_years',
    ...(useUsage ? [USAGE_COLUMN[usageMeasure], ...(useUsers ? ['users_latent_trend'] : []), 'usage_missing'] : []),
    ...(useTenure ? ['tenure_years'] : []),
  ];
  const raw = decisions.map((d) => rawRow(d, shape));
  const p = columns.length;
  const means = new Array<number>(p).fill(0);
  const sds = new Array<number>(p).fill(0);
  for (const r of raw) for (let j = 0; j < p; j++) means[j] += r[j] / n;
  for (const r of raw) for (let j = 0; j < p; j++) sds[j] += (r[j] - means[j]) ** 2 / n;
  for (let j = 0; j < p; j++) sds[j] = Math.sqrt(sds[j]);
  // A constant column carries no information: scale 1 leaves it at 0 after centring.
  for (let j = 0; j < p; j++) if (!(sds[j] > 1e-12)) sds[j] = 1;
  const x = raw.map((r) => r.map((v, j) => (v - means[j]) / sds[j]));
  const y = decisions.map((d) => (d.renewed ? 1 : 0));
  const l2 = options.l2 ?? chooseL2(x, y);
  const fit = fitLogistic(x, y, { l2 });
  return {
    kind: 'logistic',
    columns,
    coef: fit.coef,
    means,
    sds,
    ...shape,
    nDecisions: n,
    l2,
    penalty: options.l2 === undefined ? 'cross-validated' : 'given',
    converged: fit.converged,
  };
}

const USAGE_COLUMN: Record<UsageMeasure, string> = {
  'trend-ratio': 'log_usage_trend', 'log-slope': 'usage_log_slope', 'latent-trend': 'usage_latent_trend',
};

/** Candidate penalties (on standardised columns) and folds of the cross-validation that picks one. */
const L2_GRID = [0.3, 1, 3, 10, 30, 100, 300];
const CV_FOLDS = 5;
/** Above this many decisions the penalty barely matters and cross-validation is not worth its cost. */
const CV_MAX_DECISIONS = 20_000;

/**
 * The L2 penalty with the lowest out-of-fold log loss: with few decisions and a
 * dozen covariates a weak penalty overfits (the backtest of a small world
 * showed a worse Brier score than the plain renewal rate), while a large
 * history needs little shrinkage. Folds are interleaved (row i in fold i mod k)
 * so each one spans the whole history.
 */
export function chooseL2(x: readonly (readonly number[])[], y: readonly number[]): number {
  const n = x.length;
  if (n > CV_MAX_DECISIONS || n < 2 * CV_FOLDS) return 1;
  let best = 1;
  let bestLoss = Infinity;
  for (const l2 of L2_GRID) {
    let loss = 0;
    for (let f = 0; f < CV_FOLDS; f++) {
      const trainX: (readonly number[])[] = [];
      const trainY: number[] = [];
      for (let i = 0; i < n; i++) if (i % CV_FOLDS !== f) { trainX.push(x[i]); trainY.push(y[i]); }
      if (trainY.every((v) => v === trainY[0])) return 1;
      const { coef } = fitLogistic(trainX, trainY, { l2 });
      for (let i = f; i < n; i += CV_FOLDS) {
        let eta = coef[0];
        for (let j = 0; j < x[i].length; j++) eta += coef[j + 1] * x[i][j];
        loss += y[i] ? softplus(-eta) : softplus(eta);
      }
    }
    if (loss < bestLoss) {
      bestLoss = loss;
      best = l2;
    }
  }
  return best;
}

/**
 * Probability that a contract with these features renews at its next decision.
 *
 * @example
 * predictRenewal({ kind: 'empirical', bySegment: { smb: 0.7 }, overall: 0.8, nDecisions: 10 },
 *   { segment: 'smb', region: null, renewalsSoFar: 0, discountPct: null, acvUsd: 1, termMonths: 12, usageTrend: null }); // 0.7
 */
export function predictRenewal(model: RenewalModel, features: RenewalFeatures): number {
  if (model.kind === 'empirical') return model.bySegment[features.segment] ?? model.overall;
  const row = rawRow(features, model);
  let eta = model.coef[0];
  for (let j = 0; j < row.length; j++) eta += model.coef[j + 1] * ((row[j] - model.means[j]) / model.sds[j]);
  return sigmoid(eta);
}

/**
 * Probabilities of renewing at each of the next `count` renewal decisions of a
 * live contract, conditioned on what it has already survived. The k-th entry
 * (k = 0 is the next decision) is the model applied to the contract's
 * features advanced by k renewals: renewals so far + k and tenure + k × term;
 * segment, region, discount, ACV and usage trend stay as they are now (the
 * best guess available of them at a later decision). P(alive after j
 * renewals) is then the product of the first j entries.
 *
 * @example
 * renewalPath({ kind: 'empirical', bySegment: { smb: 0.7 }, overall: 0.8, nDecisions: 10 },
 *   { segment: 'smb', region: null, renewalsSoFar: 0, discountPct: null, acvUsd: 1, termMonths: 12, usageTrend: null }, 3); // [0.7, 0.7, 0.7]
 */
export function renewalPath(model: RenewalModel, features: RenewalFeatures, count: number): number[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be an integer >= 0, got ${count}`);
  return Array.from({ length: count }, (_, k) =>
    predictRenewal(model, {
      ...features,
      renewalsSoFar: features.renewalsSoFar + k,
      ...(features.tenureMonths !== undefined ? { tenureMonths: features.tenureMonths + k * features.termMonths } : {}),
    }),
  );
}

export interface RenewalScore {
  contract_id: string;
  account_id: string;
  end_date: string;
  segment: string;
  p_renew: number;
  method: RenewalModel['kind'];
}

/**
 * Learn from the decisions before `asOf` and score every contract active at `asOf`.
 *
 * @example
 * const { model, scores } = scoreRenewals(contracts, accounts, usage, '2024-06-01');
 * scores[0].p_renew; // in (0, 1)
 */
export function scoreRenewals(
  contracts: readonly RenewalContract[],
  accounts: readonly RenewalAccount[],
  usage: readonly RenewalUsage[],
  asOf: string,
  options: RenewalModelOptions = {},
): { model: RenewalModel; scores: RenewalScore[] } {
  const model = fitRenewalModel(renewalDecisions(contracts, accounts, usage, asOf), options);
  const scores = activeContracts(contracts, accounts, usage, asOf).map((c) => ({
    contract_id: c.contract_id,
    account_id: c.account_id,
    end_date: c.end_date,
    segment: c.segment,
    p_renew: predictRenewal(model, c),
    method: model.kind,
  }));
  return { model, scores };
}
