/**
 * The design of the stacked regression (index.ts): the column layout, the
 * Hill(adstock) channel columns, the journey equations' nuisance regressors,
 * the stacked rows and the ridge penalties.
 */
import { geometricAdstock, hillSaturation } from '../adstock';
import { monthIndex } from '../../lib/dates';
import type { ChannelTransform } from './types';

export const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/** Mean of the first three months: the spend level assumed to have run before the window. */
export function carryOf(series: readonly number[]): number {
  const k = Math.min(3, series.length);
  return k ? sum(series.slice(0, k)) / k : 0;
}

export function transformed(series: readonly number[], t: ChannelTransform, carry: number): number[] {
  return geometricAdstock(series, t.decay, carry).map((a) => hillSaturation(a, t.halfSaturation, t.shape));
}

/** Column layout of the design matrix. */
export interface Layout {
  n: number;
  trend: boolean;
  season: boolean;
  channels: string[];
  /** Month of year (0..11) of each row. */
  moy: number[];
  /** Index of the first channel column. */
  ch0: number;
  /** Channels with a journey equation, and the index of the first of their nuisance columns (3 per channel). */
  journeyChannels: string[];
  jc0: number;
  p: number;
}

/** Nuisance columns of a journey equation: intercept, T(m) and T(m)·r̄_c(m) (see `journeyNuisance`). */
export const JOURNEY_COLUMNS = 3;

export function layoutOf(months: readonly string[], channels: string[], trend: boolean, season: boolean, journeyChannels: string[] = []): Layout {
  const moy = months.map((m) => monthIndex(m) % 12);
  const ch0 = 1 + (trend ? 1 : 0) + (season ? 12 : 0);
  const jc0 = ch0 + channels.length;
  return { n: months.length, trend, season, channels, moy, ch0, journeyChannels, jc0, p: jc0 + JOURNEY_COLUMNS * journeyChannels.length };
}

export function baseRow(layout: Layout, t: number, moy: number): number[] {
  const row = new Array<number>(layout.p).fill(0);
  row[0] = 1;
  if (layout.trend) row[1] = (t - (layout.n - 1) / 2) / 12;
  if (layout.season) row[1 + (layout.trend ? 1 : 0) + moy] = 1;
  return row;
}

export interface Prepared {
  layout: Layout;
  y: number[];
  spend: Record<string, number[]>;
  carry: Record<string, number>;
  unitValue: Record<string, number>;
  unitValueSe: Record<string, number>;
  experiments: { channel: string; from: number; to: number; target: number; stderr: number; weight: number }[];
  ridge: number;
  seasonRidge: number;
  /** Observed journey counts per journey channel. */
  journeys: Record<string, number[]>;
  /** Nuisance regressors of each journey equation, [month][3]: 1, T(m), T(m)·spend_c(m)/mean spend_c. */
  nuisance: Record<string, number[][]>;
  /** Weight of each journey equation relative to the total equation (σ²_total / σ²_c). */
  journeyWeight: Record<string, number>;
  /** Multiplier of the journey level's penalty: the belief about touches being fitted (see `touchPriors`). */
  touchPrior: number;
  /** Regressors of the baseline (intercept, trend, month dummies), [month][column], and their Gram matrix. */
  base: number[][];
  baseGram: number[][];
  /** Months of the window in each month of the year. */
  monthCounts: number[];
  /** Gram matrix of each journey equation's nuisance columns. */
  nuisanceGram: Record<string, number[][]>;
  /** Transformed columns by channel and transform (they depend on nothing else, so the search and bootstrap share them). */
  columnCache: Map<string, number[]>;
  /** Passive set of the last NNLS solve, to warm-start the next. */
  warmPassive?: boolean[];
}

/** What one solve fits: the total outcome, the journey counts and the experiments' targets. */
export interface Targets {
  total: readonly number[];
  journeys: Readonly<Record<string, readonly number[]>>;
  experiments: readonly number[];
  /** A replicate's own ACV per unit (see `MmmInput.unitValueSe`): a test measures ACV, so its row values β with the replicate's value. */
  unitValue?: Readonly<Record<string, number>>;
}

/** Channel columns for the given transforms. */
export function channelColumns(prep: Prepared, transforms: Record<string, ChannelTransform>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const c of prep.layout.channels) out[c] = columnOf(prep, c, transforms[c]);
  return out;
}

/** Hill(adstock) column of a channel under a transform, computed once per fit (callers must not mutate it). */
export function columnOf(prep: Prepared, c: string, t: ChannelTransform): number[] {
  const key = `${c}|${t.decay}|${t.halfSaturation}|${t.shape}`;
  let col = prep.columnCache.get(key);
  if (!col) prep.columnCache.set(key, (col = transformed(prep.spend[c], t, prep.carry[c])));
  return col;
}

/** Experiment pseudo-row coefficient: valued incremental outcome per unit β over the test's months. */
export function experimentLift(prep: Prepared, c: string, t: ChannelTransform, from: number, to: number, value = prep.unitValue[c]): number {
  return liftUnits(prep.spend[c], t, prep.carry[c], from, to) * value;
}

/** Σ over months [from, to] of Hill(adstock) with the actual spend minus with the spend at zero in those months (per unit β). */
export function liftUnits(spend: readonly number[], t: ChannelTransform, carry: number, from: number, to: number): number {
  const actual = transformed(spend, t, carry);
  const held = transformed(spend.map((x, m) => (m >= from && m <= to ? 0 : x)), t, carry);
  let d = 0;
  for (let m = from; m <= to; m++) d += actual[m] - held[m];
  return d;
}

/** The stacked rows: n total-outcome rows, n rows per journey channel, then the experiments (when sigma2 > 0). */
export function stackedRows(prep: Prepared, columns: Record<string, number[]>, transforms: Record<string, ChannelTransform>,
  targets: Targets, sigma2: number): { rows: number[][]; weights: number[]; y: number[] } {
  const { layout } = prep;
  const rows: number[][] = [];
  const weights: number[] = [];
  const y: number[] = [];
  for (let t = 0; t < layout.n; t++) {
    const row = baseRow(layout, t, layout.moy[t]);
    layout.channels.forEach((c, j) => (row[layout.ch0 + j] = columns[c][t]));
    rows.push(row);
    weights.push(1);
    y.push(targets.total[t]);
  }
  layout.journeyChannels.forEach((c, k) => {
    const j = layout.channels.indexOf(c);
    for (let t = 0; t < layout.n; t++) {
      const row = new Array<number>(layout.p).fill(0);
      row[layout.ch0 + j] = columns[c][t];
      const z = prep.nuisance[c][t];
      for (let q = 0; q < JOURNEY_COLUMNS; q++) row[layout.jc0 + JOURNEY_COLUMNS * k + q] = z[q];
      rows.push(row);
      weights.push(prep.journeyWeight[c]);
      y.push(targets.journeys[c][t]);
    }
  });
  if (sigma2 > 0) {
    prep.experiments.forEach((e, i) => {
      const row = new Array<number>(layout.p).fill(0);
      row[layout.ch0 + layout.channels.indexOf(e.channel)] = experimentLift(prep, e.channel, transforms[e.channel], e.from, e.to, targets.unitValue?.[e.channel]);
      rows.push(row);
      weights.push((e.weight * sigma2) / (e.stderr * e.stderr));
      y.push(targets.experiments[i]);
    });
  }
  return { rows, weights, y };
}

/**
 * Ridge penalties of the normal equations. Month effects: `seasonRidge` per
 * month observed. Channel c: `ridge` × (the sum of squares of its column
 * about its mean in the total equation + the journey weight × its uncentred
 * sum of squares in the journey equation), so `ridge` stays a fraction.
 *
 * Centred in the total equation, because it carries an intercept and only a
 * column's variation identifies β there: a Hill column sits near a constant
 * ~0.5, and penalising its uncentred square (~n/4, often 20× its variation)
 * pulled β to zero (−81% bias and 0/60 coverage on the designed simulation of
 * tests/models/mmm/intervals.test.ts; centred: +1%). Uncentred in the journey
 * equation on purpose: there the level of β·Hill competes with the touches
 * that land on opportunities anyway (η + δ·T, nearly constant too), and
 * nothing in the data tells them apart; shrinking that level is the prior
 * "a touch is not a cause". Centring it as well let harvest channels claim
 * the touched level (paid search 1,100 caused opportunities against a truth
 * of 0 on seed 42; Spearman with truth 0.0-0.6). Nuisance columns get 1e-9
 * so A stays positive definite.
 */
export function channelPenalties(prep: Prepared, columns: Record<string, number[]>): number[] {
  const { layout } = prep;
  const penalty = new Array<number>(layout.p).fill(1e-9);
  if (layout.season) {
    for (let k = 0; k < 12; k++) penalty[1 + (layout.trend ? 1 : 0) + k] = prep.seasonRidge * Math.max(prep.monthCounts[k], 1e-3);
  }
  if (layout.trend) penalty[1] = 0;
  penalty[0] = 0;
  layout.channels.forEach((c, j) => {
    const col = columns[c];
    const mean = sum(col) / col.length;
    let centred = 0;
    let raw = 0;
    for (const x of col) {
      centred += (x - mean) ** 2;
      raw += x * x;
    }
    const wj = layout.journeyChannels.includes(c) ? prep.journeyWeight[c] : 0;
    // A (numerically) constant column is not identified apart from the intercept; a floor keeps A positive definite.
    penalty[layout.ch0 + j] = prep.ridge * (Math.max(centred, 1e-6 * raw) + prep.touchPrior * wj * raw) + 1e-9;
  });
  return penalty;
}

/**
 * Regressors of the touches of c that land on opportunities that exist anyway
 * (free of c's causal effect): an intercept, the month's total T(m) (δ: a
 * fixed share of every month's opportunities is touched by c) and T(m) × c's
 * spend over the last 6 months relative to its mean spend (γ: spend buys
 * touches on accounts that open opportunities anyway, and a journey looks
 * months back, so the recent spend level sets how many of those it finds).
 * The recent level is smooth while Hill(adstock) saturates and weights the
 * months differently; with β ≥ 0 and the total equation beside it, that is
 * what separates cause from coincidence.
 */
export function journeyNuisance(total: readonly number[], spend: Record<string, number[]>, channels: readonly string[]): Record<string, number[][]> {
  const n = total.length;
  const recent = 6;
  return Object.fromEntries(channels.map((c) => {
    const s = spend[c];
    const mean = sum(s) / n;
    return [c, total.map((T, t) => {
      const lo = Math.max(0, t - recent + 1);
      const trailing = sum(s.slice(lo, t + 1)) / (t + 1 - lo);
      return [1, T, (T * trailing) / mean];
    })];
  }));
}

/** XᵀX of a small dense matrix given by rows. */
export function gram(rows: readonly (readonly number[])[]): number[][] {
  const q = rows.length ? rows[0].length : 0;
  const g = Array.from({ length: q }, () => new Array<number>(q).fill(0));
  for (const r of rows) for (let i = 0; i < q; i++) for (let k = 0; k < q; k++) g[i][k] += r[i] * r[k];
  return g;
}

/** The baseline columns of the total equation (intercept, trend, month dummies) per month, their Gram matrix and month counts. */
export function baseRegressors(layout: Layout): { base: number[][]; baseGram: number[][]; monthCounts: number[] } {
  const base = layout.moy.map((moy, t) => baseRow(layout, t, moy).slice(0, layout.ch0));
  const monthCounts = new Array<number>(12).fill(0);
  for (const m of layout.moy) monthCounts[m]++;
  return { base, baseGram: gram(base), monthCounts };
}

/** Adstock of each channel at the window's last month under the given transforms. */
export function lastAdstockOf(prep: Prepared, tr: Record<string, ChannelTransform>): Record<string, number> {
  const n = prep.layout.n;
  return Object.fromEntries(prep.layout.channels.map((c) => [c, geometricAdstock(prep.spend[c], tr[c].decay, prep.carry[c])[n - 1]]));
}
