/**
 * The report's lift-test section: what this run's tests did to the model
 * (each tested channel's ROI interval before and after calibration, and
 * whether the test agreed), then the next tests: the run's stored plan, or
 * the same plan computed from its stored outputs when none was stored yet
 * (the page only reads; `acvloop experiments plan` stores it).
 */
import { experimentPlan } from '../queries/experiment-plans';
import type { LiftTest } from '../models/experiment-plan';
import type { LiftTestCalibration } from '../models/mmm-calibration';
import type { Db } from '../sql/db';
import { ratioRange, usd } from '../lib/format';
import { esc } from './escape';
import { table } from './table';

const designText = (t: LiftTest) => (t.design === 'region_holdout' ? `region holdout (${t.heldOutRegions.join(' + ')})`
  : t.design === 'account_holdout' ? 'account holdout' : 'on/off flighting');

/** The section's body. */
export async function experimentPlanHtml(handle: Db, runId: string): Promise<string> {
  const plan = await experimentPlan(handle, runId, { store: false });
  if (plan.tests === null) return `<p class="empty">${esc(plan.reason)}</p>`;
  const rows = table(['#', 'channel', 'design', 'held out', 'months', 'detectable lift (ACV)', 'ROI 80% now', 'expected after', 'value of information'],
    plan.tests.map((t) => [t.rank, t.channel, designText(t), `${Math.round(t.holdoutShare * 100)}%`, t.months, usd(t.minimumDetectableLift),
      ratioRange(t.intervalNow), ratioRange(t.intervalExpected), usd(t.valueOfInformation)]),
    { numeric: [true, false, false, true, true, true, false, false, true] });
  const flags = plan.tests.some((t) => t.identified !== null) ? 'channels the model cannot identify first, then ' : '';
  return `<p>Ranked ${flags}by value of information: a year of the channel's spend × the width of its ROI 80% interval. The detectable lift is
  at 80% power, two-sided α = 5%, from the model's monthly residual noise (<code>acvloop experiments plan ${esc(runId)}</code> says why for each).</p>${rows}
  <details><summary>Why each test</summary><ul>${plan.tests.map((t) => `<li>${esc(t.channel)}: ${esc(t.why)}</li>`).join('')}</ul></details>`;
}

/** The tests this run's model used: one row each, a disagreeing one marked and said in words under the table. */
export function liftTestCalibrationHtml(calibration: readonly LiftTestCalibration[]): string {
  if (!calibration.length) return '<p class="empty">No lift test in the model\'s window this run (experiments.csv calibrates the media-mix model).</p>';
  const acv = (x: { p10: number; p90: number }, point: number) => `${usd(point)} (${usd(x.p10)} – ${usd(x.p90)})`;
  const rows = table(['channel', 'months', 'test: incremental ACV (80%)', 'model without tests (80%)', 'ROI 80% before', 'ROI 80% after', 'verdict'],
    calibration.map((c) => [c.channel, `${c.test.start}..${c.test.end}`, acv(c.test, c.test.incrementalAcv), acv(c.before.testMonths, c.before.testMonths.incrementalAcv),
      `${c.before.roi.toFixed(2)} (${ratioRange([c.before.p10, c.before.p90])})`, `${c.after.roi.toFixed(2)} (${ratioRange([c.after.p10, c.after.p90])})`, c.verdict]),
    { numeric: [false, false, true, true, false, false, false], rowClass: (i) => (calibration[i].verdict === 'disagrees' ? 'held' : '') });
  const flagged = calibration.filter((c) => c.verdict === 'disagrees');
  return `<p>Each test against the model's incremental ACV of the same channel over the same months, fitted without any test. A test agrees when the two
  80% intervals overlap, and the calibrated model weights it by its precision. One beyond the model's interval decided the channel's estimate: the model's
  own data were contradicted by the experiment, so the calibrated model follows the test instead of splitting the difference. Such a run waits for a
  reviewer, who should check the test's design and the channel's data.</p>${rows}${
    flagged.length ? `<ul class="checks">${flagged.map((c) => `<li class="wait">${esc(c.why)}</li>`).join('')}</ul>` : ''}`;
}
