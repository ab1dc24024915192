/** One solve of the penalised normal equations for fixed transforms: assembled block by block, then an exact NNLS. */
import { nnlsQuadratic } from '../nnls';
import { channelPenalties, experimentLift, JOURNEY_COLUMNS, type Layout, type Prepared, type Targets } from './design';
import type { ChannelTransform, MmmCoefficients } from './types';

export interface Solved {
  coef: number[];
  /** Residual sum of squares of the total equation, and of each journey equation. */
  sse: number;
  sseJourney: Record<string, number>;
  objective: number;
}

/**
 * Solves the penalised NNLS for fixed transforms. sigma2 = 0 is the first
 * pass (ridge only); with the residual variance sigma2 the experiments are
 * weighted sigma2 / stderr².
 *
 * The normal equations are assembled block by block rather than from the
 * stacked rows (`stackedRows`, kept for the fitted values): a journey row
 * touches only its channel's β and its own three nuisance columns, so the
 * assembly costs O(n·p) instead of O(rows·p²), and the NNLS is warm-started
 * from the previous solve's passive set (exact either way, see `nnls.ts`).
 * The thousands of solves of the transform search and the bootstrap are
 * what this makes cheap.
 */
export function solve(prep: Prepared, columns: Record<string, number[]>, transforms: Record<string, ChannelTransform>, targets: Targets,
  sigma2: number): Solved {
  const { layout } = prep;
  const { n, p, ch0, jc0, channels } = layout;
  const Z = prep.base;
  const y = targets.total;
  const a = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const c = new Array<number>(p).fill(0);
  for (let i = 0; i < ch0; i++) {
    for (let k = 0; k < ch0; k++) a[i][k] = prep.baseGram[i][k];
    let s = 0;
    for (let t = 0; t < n; t++) s += Z[t][i] * y[t];
    c[i] = s;
  }
  const X = channels.map((ch) => columns[ch]);
  for (let j = 0; j < channels.length; j++) {
    const x = X[j];
    const J = ch0 + j;
    for (let i = 0; i < ch0; i++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += Z[t][i] * x[t];
      a[i][J] = a[J][i] = s;
    }
    for (let k = 0; k <= j; k++) {
      const xk = X[k];
      let s = 0;
      for (let t = 0; t < n; t++) s += x[t] * xk[t];
      a[J][ch0 + k] = a[ch0 + k][J] = s;
    }
    let s = 0;
    for (let t = 0; t < n; t++) s += x[t] * y[t];
    c[J] = s;
  }
  layout.journeyChannels.forEach((ch, k) => {
    const J = ch0 + channels.indexOf(ch);
    const w = prep.journeyWeight[ch];
    const x = columns[ch];
    const N = prep.nuisance[ch];
    const jy = targets.journeys[ch];
    const o = jc0 + JOURNEY_COLUMNS * k;
    let xx = 0;
    let xy = 0;
    for (let t = 0; t < n; t++) {
      xx += x[t] * x[t];
      xy += x[t] * jy[t];
    }
    a[J][J] += w * xx;
    c[J] += w * xy;
    for (let r = 0; r < JOURNEY_COLUMNS; r++) {
      let xn = 0;
      let ny = 0;
      for (let t = 0; t < n; t++) {
        xn += x[t] * N[t][r];
        ny += N[t][r] * jy[t];
      }
      a[J][o + r] = a[o + r][J] = w * xn;
      c[o + r] = w * ny;
      for (let r2 = 0; r2 < JOURNEY_COLUMNS; r2++) a[o + r][o + r2] = w * prep.nuisanceGram[ch][r][r2];
    }
  });
  const experimentRows = sigma2 > 0 ? prep.experiments.map((e, i) => {
    const J = ch0 + channels.indexOf(e.channel);
    const lift = experimentLift(prep, e.channel, transforms[e.channel], e.from, e.to, targets.unitValue?.[e.channel]);
    const w = (e.weight * sigma2) / (e.stderr * e.stderr);
    a[J][J] += w * lift * lift;
    c[J] += w * lift * targets.experiments[i];
    return { J, lift, w, target: targets.experiments[i] };
  }) : [];
  const penalty = channelPenalties(prep, columns);
  for (let j = 0; j < p; j++) a[j][j] += penalty[j];
  // β ≥ 0 and μ ≥ 0; in a journey equation, touches landing on opportunities that exist anyway cannot be negative (δ, γ ≥ 0).
  const nonNegative = Array.from({ length: p }, (_, j) =>
    j === 0 || (j >= ch0 && j < jc0) || (j >= jc0 && (j - jc0) % JOURNEY_COLUMNS !== 0));
  const result = nnlsQuadratic({ a, c, nonNegative }, 1e-10, prep.warmPassive);
  prep.warmPassive = result.passive;
  const coef = result.coef;
  let sse = 0;
  for (let t = 0; t < n; t++) {
    let f = 0;
    for (let i = 0; i < ch0; i++) f += Z[t][i] * coef[i];
    for (let j = 0; j < channels.length; j++) f += X[j][t] * coef[ch0 + j];
    sse += (y[t] - f) ** 2;
  }
  let objective = sse;
  const sseJourney: Record<string, number> = {};
  layout.journeyChannels.forEach((ch, k) => {
    const beta = coef[ch0 + channels.indexOf(ch)];
    const o = jc0 + JOURNEY_COLUMNS * k;
    const x = columns[ch];
    const N = prep.nuisance[ch];
    const jy = targets.journeys[ch];
    let ss = 0;
    for (let t = 0; t < n; t++) {
      let f = beta * x[t];
      for (let r = 0; r < JOURNEY_COLUMNS; r++) f += N[t][r] * coef[o + r];
      ss += (jy[t] - f) ** 2;
    }
    sseJourney[ch] = ss;
    objective += prep.journeyWeight[ch] * ss;
  });
  for (const e of experimentRows) objective += e.w * (e.target - e.lift * coef[e.J]) ** 2;
  for (let j = 0; j < p; j++) objective += penalty[j] * coef[j] * coef[j];
  return { coef, sse, sseJourney, objective };
}

export function toCoefficients(layout: Layout, b: readonly number[]): MmmCoefficients {
  const s0 = 1 + (layout.trend ? 1 : 0);
  return {
    intercept: b[0],
    trend: layout.trend ? b[1] : 0,
    season: layout.season ? b.slice(s0, s0 + 12) : new Array<number>(12).fill(0),
    channel: Object.fromEntries(layout.channels.map((c, j) => [c, b[layout.ch0 + j]])),
  };
}
