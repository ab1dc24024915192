/** The renewal model: logistic on standardised features, or the empirical rate by segment when there is too little to fit; its predictions. */
import { mean } from 'simple-statistics';
import type { RenewalDecision, RenewalFeatures } from './types';
import { chooseL2, fitLogistic, sigmoid } from './logistic';

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

export const UNKNOWN_REGION = '(unknown)';

export function rawRow(f: RenewalFeatures, m: Omit<LogisticRenewalModel, 'coef' | 'means' | 'sds' | 'converged' | 'nDecisions' | 'kind' | 'columns'>): number[] {
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
export function levelsOf(values: readonly string[]): string[] {
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

export const USAGE_COLUMN: Record<UsageMeasure, string> = {
  'trend-ratio': 'log_usage_trend', 'log-slope': 'usage_log_slope', 'latent-trend': 'usage_latent_trend',
};

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
