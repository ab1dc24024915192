/** A source's share of drifted features, and the row-count anomaly check against earlier runs. */
import { mean } from './distances';
import type { DriftThresholds, FeatureDrift } from './verdict';

export interface SourceDrift {
  tested: number;
  drifted: number;
  /** drifted / tested (features with an empty sample are not tested); 0 with none tested. */
  share: number;
  isDrifted: boolean;
}

/**
 * A source drifted when the share of its tested features that drifted reaches `shareDrifted`.
 *
 * @example
 * sourceDrift([{ method: 'ks', drifted: true }, { method: 'ks', drifted: false }], DEFAULT_CONFIG.drift); // share 0.5, drifted
 */
export function sourceDrift(features: readonly Pick<FeatureDrift, 'method' | 'drifted'>[], t: DriftThresholds): SourceDrift {
  const tested = features.filter((f) => f.method !== 'none');
  const drifted = tested.filter((f) => f.drifted).length;
  const share = tested.length > 0 ? drifted / tested.length : 0;
  return { tested: tested.length, drifted, share, isDrifted: tested.length > 0 && share >= t.shareDrifted };
}

/** Earlier runs a row count needs before it is judged. */
export const MIN_ROW_HISTORY = 3;

export interface RowCountCheck {
  status: 'ok' | 'anomaly' | 'not enough history';
  /** (count − mean) / sd; null without history, or when every earlier count was 0. */
  z: number | null;
  mean: number | null;
  /** The sd used: the earlier counts' sample sd, at least √mean. */
  sd: number | null;
  sampleSd: number | null;
  history: number;
  reason: string;
}

/**
 * This drop's row count against the counts of earlier runs: a z-score with
 * their mean and standard deviation, an anomaly beyond `rowCountZ`. The sd is
 * the sample sd of the earlier counts but at least √mean, the Poisson noise
 * of a count: three earlier counts that happen to lie close together (62, 63,
 * 64) would otherwise make an ordinary 54 look nine sds away. Fewer than 3
 * earlier runs: "not enough history" rather than a guess.
 *
 * @example
 * rowCountAnomaly(170, [100, 120, 80], DEFAULT_CONFIG.drift); // sd 20 (sample), z = 3.5, anomaly
 * rowCountAnomaly(125, [100, 102, 98], DEFAULT_CONFIG.drift); // sd 10 (√100 > 2), z = 2.5, ok
 */
export function rowCountAnomaly(count: number, history: readonly number[], t: Pick<DriftThresholds, 'rowCountZ'>): RowCountCheck {
  if (history.length < MIN_ROW_HISTORY) {
    return { status: 'not enough history', z: null, mean: null, sd: null, sampleSd: null, history: history.length,
      reason: `${history.length} earlier run(s); at least ${MIN_ROW_HISTORY} are needed` };
  }
  const mu = mean(history);
  const sampleSd = Math.sqrt(history.reduce((s, x) => s + (x - mu) ** 2, 0) / (history.length - 1));
  const sd = Math.max(sampleSd, Math.sqrt(mu));
  if (sd === 0) {
    const same = count === 0;
    return { status: same ? 'ok' : 'anomaly', z: null, mean: mu, sd, sampleSd, history: history.length,
      reason: same ? 'no rows, as in every earlier run' : `every earlier run had no rows; this drop has ${count}` };
  }
  const z = (count - mu) / sd;
  const anomaly = Math.abs(z) > t.rowCountZ;
  return { status: anomaly ? 'anomaly' : 'ok', z, mean: mu, sd, sampleSd, history: history.length,
    reason: `${count} rows against a mean of ${mu.toFixed(1)} (sd ${sd.toFixed(1)}) over ${history.length} earlier runs: z = ${z.toFixed(2)}` };
}
