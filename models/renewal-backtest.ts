import { brierScore, calibrationByDecile, rocAuc, type CalibrationBin } from './evaluation';
import { shiftMonths } from '../lib/dates';
import { predictRenewal, type RenewalDecision, type RenewalModel } from './renewal';

export interface RenewalOrigin {
  origin: string;
  train: number;
  test: number;
  brier: number | null;
  /** The latest decision the origin's model learned from and the earliest it was scored on: the first is before the second. */
  trainedThrough: string | null;
  firstScored: string | null;
  /** The model the origin's fit gave (a logistic specification falls back to the rate by segment on few decisions). */
  model: RenewalModel['kind'] | null;
}

export interface RenewalBacktest {
  origins: RenewalOrigin[];
  /** Over every origin's test decisions pooled. */
  brier: number | null;
  auc: number | null;
  calibration: { bins: CalibrationBin[]; maxGap: number } | null;
  tested: number;
}

const latest = (ds: readonly RenewalDecision[]) => ds.reduce<string | null>((m, d) => (m === null || d.decided_at > m ? d.decided_at : m), null);
const earliest = (ds: readonly RenewalDecision[]) => ds.reduce<string | null>((m, d) => (m === null || d.decided_at < m ? d.decided_at : m), null);

/**
 * Rolling-origin backtest of a renewal model: at each origin t, fit on the
 * decisions made before t and score those made in [t, t + horizon); the
 * scores are pooled over origins (Brier, AUC, calibration by decile) and
 * also reported per origin. `fit` returns null when it cannot fit on what it
 * is given (too few decisions); that origin then tests nothing.
 *
 * @example
 * rollingRenewalBacktest(decisions, { asOf: '2026-11-01', origins: 4, horizonMonths: 3 }, (train) => fitRenewalModel(train));
 */
export function rollingRenewalBacktest(
  decisions: readonly RenewalDecision[],
  o: { asOf: string; origins: number; horizonMonths: number },
  fit: (train: readonly RenewalDecision[]) => RenewalModel | null,
): RenewalBacktest {
  const p: number[] = [];
  const y: boolean[] = [];
  const origins: RenewalOrigin[] = [];
  for (let k = o.origins; k >= 1; k--) {
    const origin = shiftMonths(o.asOf, -k * o.horizonMonths);
    const end = shiftMonths(origin, o.horizonMonths);
    const train = decisions.filter((d) => d.decided_at < origin);
    const test = decisions.filter((d) => d.decided_at >= origin && d.decided_at < end);
    const windows = { trainedThrough: latest(train), firstScored: earliest(test) };
    const model = train.length && test.length ? fit(train) : null;
    if (!model) {
      origins.push({ origin, train: train.length, test: test.length, brier: null, ...windows, model: null });
      continue;
    }
    const pk = test.map((d) => predictRenewal(model, d));
    const yk = test.map((d) => d.renewed);
    origins.push({ origin, train: train.length, test: test.length, brier: brierScore(pk, yk), ...windows, model: model.kind });
    p.push(...pk);
    y.push(...yk);
  }
  if (!p.length) return { origins, brier: null, auc: null, calibration: null, tested: 0 };
  const auc = rocAuc(p, y);
  return { origins, brier: brierScore(p, y), auc: Number.isFinite(auc) ? auc : null, calibration: calibrationByDecile(p, y), tested: p.length };
}
