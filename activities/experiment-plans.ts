/**
 * The next lift tests of a run, planned on demand by the CLI and the report
 * page: the stored plan (queries/experiment-plans.ts), else planned now by
 * the pure `planLiftTests` from what the run stored and, when asked, written
 * with its OpenLineage event (store/experiment-plans.ts). The same stored run
 * always gives the same plan, and the first plan written for a run is the
 * one every later read returns. It stays beside the stages for the one thing
 * it shares with them: the lineage event it builds (lineage-event.ts).
 */
import { planLiftTests, type LiftTest } from '../models/experiment-plan';
import { experimentPlanInput, storedExperimentPlan } from '../queries/experiment-plans';
import type { Db } from '../sql/db';
import { insertExperimentPlan } from '../store/experiment-plans';
import { pgDataset, runEvent } from './lineage-event';

/** The job the plan's lineage event is recorded under, and what the plan reads. */
const PLAN_JOB = 'experiments_plan';
const PLAN_INPUTS = ['model_versions', 'incrementality', 'src_spend', 'src_touchpoints', 'src_accounts'] as const;

export type ExperimentPlanResult = { tests: LiftTest[]; stored: boolean } | { tests: null; reason: string };

/**
 * The run's plan: the stored one, else planned now and, with `store`,
 * written (once per run: a concurrent writer's rows win and are returned).
 */
export async function experimentPlan(handle: Db, runId: string, opts: { store: boolean }): Promise<ExperimentPlanResult> {
  const existing = await storedExperimentPlan(handle, runId);
  if (existing) return { tests: existing, stored: true };
  const read = await experimentPlanInput(handle, runId);
  if ('reason' in read) return { tests: null, reason: read.reason };
  const { tests } = planLiftTests(read.input);
  if (!opts.store || !tests.length) return { tests, stored: false };
  const event = runEvent({ eventType: 'COMPLETE', eventTime: new Date().toISOString(), runId, month: read.month, job: PLAN_JOB,
    inputs: PLAN_INPUTS.map((t) => pgDataset(handle.schema, t)), outputs: [pgDataset(handle.schema, 'experiment_plans')] });
  await insertExperimentPlan(handle.db, { runId, tests, job: PLAN_JOB, event });
  return { tests: (await storedExperimentPlan(handle, runId))!, stored: true };
}
