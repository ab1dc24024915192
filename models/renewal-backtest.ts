import { brierScore, calibrationByDecile, rocAuc, type CalibrationBin } from './evaluation';
import { shiftMonths } from './dates';
import { predictRenewal, type RenewalDecision, type RenewalModel } from './renewal';

export interface RenewalOrigin { origin: string; train: number; test: number; brier: number | null }

export interface RenewalBacktest {
  origins: RenewalOrigin[];
  /** Over every origin's test decisions pooled. */
  brier: number | null;
  auc: number | null;
  calibration: { bins: CalibrationBin[]; maxGap: number } | null;
  tested: number;
}

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
    const model = train.length && test.length ? fit(train) : null;
    if (!model) {
      origins.push({ origin, train: train.length, test: test.length, brier: null });
      continue;
    }
    const pk = test.map((d) => predictRenewal(model, d));
    const yk = test.map((d) => d.renewed);
    origins.push({ origin, train: train.length, test: test.length, brier: brierScore(pk, yk) });
    p.push(...pk);
    y.push(...yk);
  }
  if (!p.length) return { origins, brier: null, auc: null, calibration: null, tested: 0 };
  const auc = rocAuc(p, y);
  return { origins, brier: brierScore(p, y), auc: Number.isFinite(auc) ? auc : null, calibration: calibrationByDecile(p, y), tested: p.length };
}
