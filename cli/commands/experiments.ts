import { experimentPlan } from '../../queries/experiment-plans';
import type { LiftTest } from '../../models/experiment-plan';
import { openDb } from '../env';
import { printJson, say, table } from '../output';
import { ratioRange, usd } from '../../lib/format';

export interface ExperimentsPlanOptions { json?: boolean }

/** What a user reads in `--json`: the brief's keys first, then the numbers behind them. */
function liftTestJson(t: LiftTest) {
  return {
    channel: t.channel, design: t.design, holdoutShare: t.holdoutShare, months: t.months, minimumDetectableLift: t.minimumDetectableLift,
    intervalNow: t.intervalNow, intervalExpected: t.intervalExpected, valueOfInformation: t.valueOfInformation, why: t.why,
    rank: t.rank, heldOutRegions: t.heldOutRegions, minimumDetectableRoi: t.minimumDetectableRoi, testStandardError: t.testStandardError,
    budgetAtStake: t.budgetAtStake, identified: t.identified, detectsEstimate: t.detectsEstimate,
  };
}

const design = (t: LiftTest) => (t.design === 'region_holdout' ? `region holdout (${t.heldOutRegions.join('+')})` : t.design.replace('_', ' '));

/**
 * `acvloop experiments plan RUN [--json]`: the next lift tests, most
 * valuable first (models/experiment-plan.ts), planned from the run's stored
 * outputs and stored with the run the first time they are asked for.
 */
export async function experimentsPlanCommand(runId: string, opts: ExperimentsPlanOptions): Promise<number> {
  const handle = await openDb();
  try {
    const plan = await experimentPlan(handle, runId, { store: true });
    if (plan.tests === null) throw new Error(plan.reason);
    if (opts.json) {
      printJson({ runId, tests: plan.tests.map(liftTestJson) });
      return 0;
    }
    say(`Next lift tests for run ${runId}, most valuable first (MDE at 80% power, two-sided α = 5%; ROI = ACV per dollar, 80% intervals)`);
    say(table(['#', 'channel', 'design', 'share', 'months', 'MDE (ACV)', 'MDE (ROI)', 'ROI now', 'ROI expected', 'value of information'],
      plan.tests.map((t) => [t.rank, t.channel, design(t), `${Math.round(t.holdoutShare * 100)}%`, t.months, usd(t.minimumDetectableLift),
        t.minimumDetectableRoi.toFixed(2), ratioRange(t.intervalNow), ratioRange(t.intervalExpected), usd(t.valueOfInformation)])));
    say();
    for (const t of plan.tests) say(`${t.channel}: ${t.why}`);
    if (plan.tests.every((t) => t.identified === null)) say('The model carries no identifiability flags: ranked by value of information alone.');
    return 0;
  } finally {
    await handle.close();
  }
}
