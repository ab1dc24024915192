import type { Kysely } from 'kysely';
import type { LiftTest } from '../models/experiment-plan';
import type { Database } from '../sql/database';
import { insertLineageEvent } from './run-events';

/**
 * A run's lift-test plan (`experiment_plans`), written once per run: the
 * rows and the lineage event that names them as an output (so `acvloop
 * lineage --check` traces them to the drop) in one transaction. A concurrent
 * writer's rows win: a second plan for the run adds nothing.
 */
export async function insertExperimentPlan(db: Kysely<Database>, plan: { runId: string; tests: LiftTest[]; job: string; event: Record<string, unknown> }): Promise<void> {
  const { runId, tests } = plan;
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('experiment_plans').values(tests.map((t) => ({
      run_id: runId, channel: t.channel, rank: t.rank, design: t.design, holdout_share: t.holdoutShare, months: t.months,
      minimum_detectable_lift: t.minimumDetectableLift, value_of_information: t.valueOfInformation, plan: JSON.stringify(t),
    }))).onConflict((oc) => oc.columns(['run_id', 'channel']).doNothing()).execute();
    await insertLineageEvent(trx, { runId, job: plan.job, eventType: 'COMPLETE', attempt: 1, event: plan.event });
  });
}
