/**
 * Lift tests against the media-mix model, and what each did to it: per test,
 * the channel's ROI interval before calibration (the same fit without the
 * tests) and after (the fit that used them), and a verdict that compares
 * like with like. `fitWithLiftTests` is how the retrain stage (and the truth
 * bench, which calls the models as retrain does) fits the model with tests.
 *
 * A test measures the incremental ACV of holding the channel's spend out over
 * its months. The model's prediction of the same quantity is what its
 * pseudo-row in `fitMmm` fits (see mmm/index.ts, "Lift tests"): β_c × Σ over the
 * test's months of Hill(adstock of the actual spend) − Hill(adstock of the
 * spend with those months at zero), valued at the channel's ACV per unit.
 * It is computed here for the point fit and for every bootstrap draw (a draw
 * that re-chose its transforms uses its own), and its 80% interval is the
 * draws' P10–P90 shifted so the median sits on the point, as the model's own
 * intervals are. A channel the model flags as not identified gets the widened
 * interval its results carry (lower end 0, upper end scaled as its window
 * interval was widened), so a test is judged against what the model reports.
 *
 * Verdict, judged against the fit without tests (which is fitted first):
 * `agrees` when the test's 80% interval (incremental ACV ± z₀.₉ · stderr)
 * overlaps the model's 80% interval of the same quantity; `disagrees` when
 * the test lies beyond it. The fit with the tests then weights an agreeing
 * test by its precision (the estimate moves as far as the test's stderr
 * warrants, between the model and the test), while a disagreeing test
 * overrides (`MmmExperiment.overrides`): it decides the channel's estimate,
 * because the model's own data were contradicted by the experiment and a
 * value split down the middle would be one neither supports. Such a test is
 * not taken silently: its verdict says so in words, the run needs a
 * reviewer's sign-off (activities/approval.ts), and the reviewer is asked to
 * check the test's design and the channel's data, since if the test is wrong
 * the estimate now is too.
 */
import { monthIndex } from '../lib/dates';
import { usd } from '../lib/format';
import { Z_AT_0_90 } from './normal';
import { fitMmm, liftUnits, overBeliefs, quantiles, windowUnits, type MmmCoefficients, type MmmExperiment, type MmmFit, type MmmInput, type MmmOptions } from './mmm';

/** What the calibration reads of a fit (a fit revived from JSON has all of it). */
export type CalibrationFit = Pick<MmmFit, 'months' | 'spend' | 'carry' | 'transforms' | 'coef' | 'draws' | 'unitValue' | 'results' | 'priorPoints'>;

export type LiftTestVerdict = 'agrees' | 'disagrees';

/** A point and its 80% interval. */
export interface Interval80 { p10: number; p90: number }

export interface ModelSide extends Interval80 {
  /** The channel's ROI over the window (ACV per dollar), with p10/p90 its 80% interval, as the fit reports it. */
  roi: number;
  /** The model's incremental ACV of the channel over the test's months, what the test measured. */
  testMonths: Interval80 & { incrementalAcv: number };
}

export interface LiftTestCalibration {
  channel: string;
  /** The test as experiments.csv gives it, `months` its length (inside the model's window), p10/p90 its 80% interval. */
  test: Interval80 & { start: string; end: string; months: number; incrementalAcv: number; stderr: number };
  /** The fit without any lift test. */
  before: ModelSide;
  /** The fit that used the tests (the one the run stores). */
  after: ModelSide;
  verdict: LiftTestVerdict;
  /** The verdict in plain words. */
  why: string;
}

/**
 * Fits the media-mix model with the lift tests as the retrain stage does:
 * first without them, to judge each test against the model's own interval,
 * then with them, a disagreeing test marked `overrides` so that it decides
 * its channel's estimate instead of being averaged with the data it
 * contradicts. Two fits when there are tests, one (the fit itself) when
 * none; `fitMmm`'s errors (MmmHistoryTooShort) pass through.
 *
 * @example
 * const { fit, calibration } = fitWithLiftTests(series, { bootstrap: 200, seed }, experiments);
 * calibration.map((c) => c.verdict);  // ['agrees', 'disagrees']: the second test decided its channel's estimate in `fit`
 */
export function fitWithLiftTests(series: MmmInput, options: Omit<MmmOptions, 'experiments'>, experiments: readonly MmmExperiment[]):
  { fit: MmmFit; calibration: LiftTestCalibration[] } {
  const before = fitMmm(series, { ...options, experiments: [] });
  if (!experiments.length) return { fit: before, calibration: [] };
  const used = experiments.map((e) => (verdictOf(before, e) === 'disagrees' ? { ...e, overrides: true } : e));
  const fit = fitMmm(series, { ...options, experiments: used });
  return { fit, calibration: liftTestCalibration(before, fit, used) };
}

/** The verdict on one test against the fit without tests, or null for a test the fit cannot use (outside its window or channels). */
function verdictOf(before: CalibrationFit, e: MmmExperiment): LiftTestVerdict | null {
  const span = testSpan(before, e);
  if (!span || !before.transforms[e.channel]) return null;
  const model = modelSide(before, e.channel, span).testMonths;
  return beyond(testInterval(e), model) ? 'disagrees' : 'agrees';
}

/**
 * Compares every lift test with the model fitted without tests (`before`) and
 * with them (`after`, fitted as `fitWithLiftTests` does: a disagreeing test
 * overriding). Tests on channels neither fit has are left out (the fit could
 * not use them).
 *
 * @example
 * const before = fitMmm(series, { bootstrap: 200, seed, experiments: [] });
 * const after = fitMmm(series, { bootstrap: 200, seed, experiments });
 * const [event] = liftTestCalibration(before, after, experiments);
 * event.verdict;                                              // 'agrees'
 * event.after.p90 - event.after.p10 < event.before.p90 - event.before.p10; // true: the test narrowed the ROI interval
 */
export function liftTestCalibration(before: CalibrationFit, after: CalibrationFit, experiments: readonly MmmExperiment[]): LiftTestCalibration[] {
  return experiments.flatMap((e) => {
    const span = testSpan(before, e);
    if (!span || !after.transforms[e.channel] || !before.transforms[e.channel]) return [];
    const b = modelSide(before, e.channel, span);
    const a = modelSide(after, e.channel, span);
    const test = { start: e.start, end: e.end, months: span.to - span.from + 1, incrementalAcv: e.incremental_acv, stderr: e.stderr, ...testInterval(e) };
    const { verdict, why } = judge(e.channel, test, b, a);
    return [{ channel: e.channel, test, before: b, after: a, verdict, why }];
  });
}

/** The test's 80% interval: incremental ACV ± z₀.₉ · stderr. */
const testInterval = (e: MmmExperiment): Interval80 => ({ p10: e.incremental_acv - Z_AT_0_90 * e.stderr, p90: e.incremental_acv + Z_AT_0_90 * e.stderr });

/** Whether the test's interval lies wholly beyond the model's (the two do not overlap). */
const beyond = (test: Interval80, model: Interval80) => test.p10 > model.p90 || test.p90 < model.p10;

/** The test's months as indices into the fit's window (clipped to it, as `fitMmm` clips them), or null outside it. */
function testSpan(fit: Pick<MmmFit, 'months'>, e: MmmExperiment): { from: number; to: number } | null {
  const first = monthIndex(fit.months[0]);
  const from = Math.max(0, monthIndex(e.start) - first);
  const to = Math.min(fit.months.length - 1, monthIndex(e.end) - first);
  return to < from ? null : { from, to };
}

/** The draws' P10–P90 shifted so their median is the point, floored at 0: the model's own interval rule (`quantiles`). */
function shifted(values: readonly number[], point: number): Interval80 {
  const { p10, p90 } = quantiles(values, point);
  return { p10, p90 };
}

function modelSide(fit: CalibrationFit, c: string, span: { from: number; to: number }): ModelSide {
  const spend = fit.spend[c];
  const carry = fit.carry[c];
  // A draw values the channel with its own ACV per unit when it drew one, and each belief's draws centre on its own point (mmm/results.ts `overBeliefs`).
  const value = (d: MmmCoefficients) => d.unitValue?.[c] ?? fit.unitValue[c];
  const tr = (d: MmmCoefficients) => d.transforms?.[c] ?? fit.transforms[c];
  const over = (d: MmmCoefficients, from: number, to: number) => d.channel[c] * liftUnits(spend, tr(d), carry, from, to) * value(d);
  const pooled = (f: (d: MmmCoefficients) => number) => overBeliefs(fit, fit.draws.map(f), f);
  const point = over(fit.coef, span.from, span.to);
  const own = shifted(pooled((d) => over(d, span.from, span.to)), point);
  const result = fit.results.find((r) => r.channel === c)!;
  let testMonths = own;
  if (!result.identifiability.identified) {
    // The fit widened this channel's window interval (mmm/results.ts `unidentifiedInterval`): widen the test months' alike.
    const windowOwn = shifted(pooled((d) => windowUnits(fit, c, tr(d), d.channel[c], 0) * value(d)), result.incrementalAcv);
    const scale = windowOwn.p90 > 0 ? Math.max(1, result.incrementalAcvQuantiles.p90 / windowOwn.p90) : 1;
    testMonths = { p10: 0, p90: own.p90 * scale };
  }
  return { roi: result.roi, p10: result.roiQuantiles.p10, p90: result.roiQuantiles.p90, testMonths: { incrementalAcv: point, ...testMonths } };
}

const range = (i: Interval80) => `${usd(i.p10)} – ${usd(i.p90)}`;

function judge(channel: string, test: LiftTestCalibration['test'], before: ModelSide, after: ModelSide): { verdict: LiftTestVerdict; why: string } {
  const model = before.testMonths;
  const months = test.start === test.end ? test.start : `${test.start}..${test.end}`;
  const measured = `The ${channel} test measured ${usd(test.incrementalAcv)} ± ${usd(test.stderr)} of incremental ACV over ${months} (80%: ${range(test)})`;
  const expected = `the model without tests expected ${usd(model.incrementalAcv)} (80%: ${range(model)})`;
  if (beyond(test, model)) {
    return {
      verdict: 'disagrees',
      why: `${measured}, all of it ${test.p10 > model.p90 ? 'above' : 'below'} what ${expected}. ` +
        'The model\'s own data were contradicted by the experiment, so the test decided the channel\'s estimate instead of being averaged with them: ' +
        `calibrated, the model gives ${usd(after.testMonths.incrementalAcv)} over the test's months and the channel's ROI moves from ${before.roi.toFixed(2)} to ${after.roi.toFixed(2)}. ` +
        'A reviewer should check the test\'s design and the channel\'s data: if the test is wrong, so is this estimate.',
    };
  }
  return {
    verdict: 'agrees',
    why: `${measured}; ${expected}. The intervals overlap; calibrated, the channel's ROI moves from ${before.roi.toFixed(2)} to ${after.roi.toFixed(2)}.`,
  };
}
