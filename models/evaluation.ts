/**
 * Scores a backtest gate reads: how well probabilities rank and match what
 * happened (AUC, calibration by decile, Brier) and how much two rankings
 * agree (Spearman), and how two series move together (Pearson), written once
 * so the gate, the models and the tests share them.
 */

import { mean } from 'simple-statistics';

/** Ranks 1..n with ties given their average rank. */
export function averageRanks(x: readonly number[]): number[] {
  const order = x.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(x.length);
  for (let g = 0; g < order.length; ) {
    let h = g;
    while (h < order.length && order[h][0] === order[g][0]) h++;
    const r = (g + 1 + h) / 2;
    for (let k = g; k < h; k++) ranks[order[k][1]] = r;
    g = h;
  }
  return ranks;
}

/**
 * Spearman's rank correlation: Pearson's correlation of the average ranks,
 * so ties are handled. NaN when either side is constant.
 *
 * @example
 * spearman([1, 2, 3, 4], [1, 3, 2, 4]); // 0.8
 */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`spearman: ${a.length} values against ${b.length}`);
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const n = a.length;
  const ma = ra.reduce((s, v) => s + v, 0) / n;
  const mb = rb.reduce((s, v) => s + v, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) ** 2;
    sbb += (rb[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/**
 * Pearson correlation; 0 when either series is flat (identifiability flags a
 * flat series as low variation instead).
 *
 * @example
 * pearson([1, 2, 3], [3, 2, 1]); // -1
 */
export function pearson(a: readonly number[], b: readonly number[]): number {
  // By hand, not simple-statistics' sampleCorrelation: that one gives NaN for a flat series.
  if (!a.length) return 0;
  const ma = mean(a as number[]);
  const mb = mean(b as number[]);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  const scale = Math.max(saa, sbb) * 1e-20;
  return saa > scale && sbb > scale ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * The area under the ROC curve: the chance a random positive scores above a
 * random negative, ties counting one half (the Mann–Whitney U over n₊n₋).
 * For a binary outcome it is the concordance index.
 *
 * @example
 * rocAuc([0.9, 0.8, 0.3, 0.1], [true, false, true, false]); // 0.75
 */
export function rocAuc(scores: readonly number[], outcomes: readonly boolean[]): number {
  const ranks = averageRanks(scores);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < scores.length; i++) if (outcomes[i]) { pos++; rankSum += ranks[i]; }
  const neg = scores.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function brierScore(probabilities: readonly number[], outcomes: readonly boolean[]): number {
  let s = 0;
  for (let i = 0; i < probabilities.length; i++) s += (probabilities[i] - (outcomes[i] ? 1 : 0)) ** 2;
  return s / probabilities.length;
}

export interface CalibrationBin { bin: number; n: number; predicted: number; observed: number }

/**
 * Calibration by decile: rows sorted by predicted probability, cut into
 * `bins` groups of (nearly) equal size; each with its mean prediction and the
 * share that happened. The largest gap is what a reviewer looks at.
 */
export function calibrationByDecile(probabilities: readonly number[], outcomes: readonly boolean[], bins = 10): { bins: CalibrationBin[]; maxGap: number } {
  const order = probabilities.map((p, i) => i).sort((a, b) => probabilities[a] - probabilities[b]);
  const out: CalibrationBin[] = [];
  const k = Math.min(bins, order.length);
  for (let b = 0; b < k; b++) {
    const from = Math.floor((b * order.length) / k);
    const to = Math.floor(((b + 1) * order.length) / k);
    let p = 0, y = 0;
    for (let j = from; j < to; j++) { p += probabilities[order[j]]; y += outcomes[order[j]] ? 1 : 0; }
    out.push({ bin: b + 1, n: to - from, predicted: p / (to - from), observed: y / (to - from) });
  }
  return { bins: out, maxGap: out.reduce((m, x) => Math.max(m, Math.abs(x.predicted - x.observed)), 0) };
}
