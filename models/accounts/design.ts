/**
 * A logistic model over named, standardised columns, shared by the win and
 * expansion models: standardising puts every column on one scale, so that
 * one L2 penalty (chosen by cross-validation, renewal/logistic.ts chooseL2)
 * shrinks a rare industry's one-hot column and a count alike, and so that a
 * column's coefficient × standardised value is how far it moves an account's
 * logit from the average account's: the drivers in words rank those.
 *
 * A fitted model is plain data (names, means, sds, coefficients) so it can be
 * stored and read back; the model modules rebuild the columns' values from
 * the feature rows by name.
 */
import { chooseL2, fitLogistic, sigmoid } from '../renewal/logistic';

/** A column of the design: its name, the driver group it is worded in (the columns of a one-hot share one), and its value. */
export interface DesignColumn<F> {
  name: string;
  group: string;
  value: (f: F) => number;
}

export interface FittedLogit {
  names: string[];
  groups: string[];
  /** Training mean and standard deviation of each column (sd 1 for a constant column). */
  mean: number[];
  sd: number[];
  /** [intercept, β_1, …, β_p] on the standardised columns. */
  coef: number[];
  l2: number;
  rows: number;
  positives: number;
  /** Whether the penalised Newton fit converged (absent in hand-made models; an intercept-only model has nothing to iterate). */
  converged?: boolean;
}

/** One-hot columns of a categorical feature: one per level seen at least `minCount` times (rarer levels fall to the all-zero reference). */
export function oneHot<F>(group: string, read: (f: F) => string, levels: readonly string[]): DesignColumn<F>[] {
  return levels.map((level) => ({ name: `${group}=${level}`, group, value: (f: F) => (read(f) === level ? 1 : 0) }));
}

/** The levels of a categorical feature seen at least `minCount` times, sorted (the order a stored model keeps). */
export function levelsOf<F>(rows: readonly F[], read: (f: F) => string, minCount: number): string[] {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(read(r), (counts.get(read(r)) ?? 0) + 1);
  return [...counts].filter(([, n]) => n >= minCount).map(([l]) => l).sort();
}

/**
 * Fits the design on rows and 0/1 outcomes. With one outcome only (or no
 * rows) the model is the intercept of the smoothed rate, (positives + ½) / (n + 1).
 *
 * @example
 * const cols = [{ name: 'x', group: 'x', value: (f: { x: number }) => f.x }];
 * fitDesign(cols, [{ x: 0 }, { x: 1 }, { x: 0 }, { x: 1 }], [false, true, true, true]).coef[1] > 0; // true
 */
export function fitDesign<F>(columns: readonly DesignColumn<F>[], rows: readonly F[], outcomes: readonly boolean[]): FittedLogit {
  const n = rows.length;
  const p = columns.length;
  const positives = outcomes.reduce((s, y) => s + (y ? 1 : 0), 0);
  const names = columns.map((c) => c.name);
  const groups = columns.map((c) => c.group);
  const mean = new Array<number>(p).fill(0);
  const sd = new Array<number>(p).fill(1);
  if (positives === 0 || positives === n) {
    const rate = (positives + 0.5) / (n + 1);
    return { names, groups, mean, sd, coef: [Math.log(rate / (1 - rate)), ...new Array<number>(p).fill(0)], l2: 0, rows: n, positives, converged: true };
  }
  const raw = rows.map((r) => columns.map((c) => c.value(r)));
  for (let j = 0; j < p; j++) {
    let s = 0, ss = 0;
    for (let i = 0; i < n; i++) { s += raw[i][j]; ss += raw[i][j] ** 2; }
    mean[j] = s / n;
    const v = ss / n - mean[j] ** 2;
    sd[j] = v > 1e-12 ? Math.sqrt(v) : 1;
  }
  const x = raw.map((r) => r.map((v, j) => (v - mean[j]) / sd[j]));
  const y = outcomes.map((o) => (o ? 1 : 0));
  const l2 = chooseL2(x, y);
  const { coef, converged } = fitLogistic(x, y, { l2 });
  return { names, groups, mean, sd, coef, l2, rows: n, positives, converged };
}

/** Each column's coefficient × standardised value: how far it moves the logit from the training average. */
export function contributionsOf<F>(model: FittedLogit, columns: readonly DesignColumn<F>[], f: F): number[] {
  return columns.map((c, j) => (model.coef[j + 1] * (c.value(f) - model.mean[j])) / model.sd[j]);
}

/** The logit of a row: intercept plus the contributions (at the training means the intercept alone). */
export function logitOf<F>(model: FittedLogit, columns: readonly DesignColumn<F>[], f: F): number {
  let eta = model.coef[0];
  for (let j = 0; j < columns.length; j++) eta += (model.coef[j + 1] * (columns[j].value(f) - model.mean[j])) / model.sd[j];
  return eta;
}

export const probabilityOf = <F>(model: FittedLogit, columns: readonly DesignColumn<F>[], f: F): number => sigmoid(logitOf(model, columns, f));

/** A coefficient in the units of its raw column (per unit of the feature), for reading a fit against planted truth. */
export const rawCoefficient = (model: FittedLogit, name: string): number => {
  const j = model.names.indexOf(name);
  if (j < 0) throw new RangeError(`no column ${name}`);
  return model.coef[j + 1] / model.sd[j];
};

/**
 * Mean of a value within each group, shrunk toward the overall mean with the
 * weight of `prior` pseudo-observations: a segment with few examples borrows
 * from all of them.
 *
 * @example
 * shrunkMeans([['a', 10], ['a', 30], ['b', 0]], 1); // overall 40/3; a: (40 + 40/3)/3, b: (0 + 40/3)/2
 */
export function shrunkMeans(values: Iterable<readonly [string, number]>, prior: number): { overall: number; byGroup: Map<string, number> } {
  const sums = new Map<string, { n: number; s: number }>();
  let n = 0, s = 0;
  for (const [g, v] of values) {
    const x = sums.get(g) ?? { n: 0, s: 0 };
    x.n++; x.s += v; n++; s += v;
    sums.set(g, x);
  }
  const overall = n ? s / n : 0;
  const byGroup = new Map<string, number>();
  for (const [g, x] of sums) byGroup.set(g, (x.s + prior * overall) / (x.n + prior));
  return { overall, byGroup };
}
