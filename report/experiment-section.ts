/**
 * The report's "Next lift tests" section: the run's stored plan, or the same
 * plan computed from its stored outputs when none was stored yet (the page
 * only reads; `acvloop experiments plan` stores it).
 */
import { experimentPlan } from '../activities/experiment-plans';
import type { LiftTest } from '../models/experiment-plan';
import type { Db } from '../sql/db';
import { ratioRange, usd } from '../cli/output';
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
