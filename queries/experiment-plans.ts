/**
 * The read side of a run's lift-test plan: the plan stored for it
 * (`experiment_plans`, written by store/experiment-plans.ts), and what
 * `planLiftTests` (models/experiment-plan.ts) plans from when none is — its
 * media-mix version (residual noise, ACV per opportunity), its
 * incrementality rows (ROI, 80% interval, identifiability flags), the recent
 * spend of its batch and how its touches and accounts are spread.
 *
 * `experimentPlan` is what the CLI and the report page ask for: the stored
 * plan, else planned now by the pure `planLiftTests` and, when asked,
 * written with its OpenLineage event through store/experiment-plans.ts. The
 * same stored run always gives the same plan, and the first plan written for
 * a run is the one every later read returns.
 */
import { budgetPolicyOf } from '../config/budget-policy';
import type { AcvloopConfig } from '../config/schema';
import { recentSpend } from '../models/budget';
import { planLiftTests, type LiftTest, type LiftTestChannel, type LiftTestPlanInput } from '../models/experiment-plan';
import { isMmmUnavailable, type MmmUnavailable, type StoredMmm } from '../models/mmm';
import type { Db } from '../sql/db';
import { insertExperimentPlan } from '../store/experiment-plans';
import { runById } from '../store/runs';
import { asOfDate } from '../lib/dates';
import { pgDataset, runEvent } from '../lib/openlineage';

/** A reason as words: the model's own message when it carries one. */
const reasonText = (r: unknown): string => (typeof r === 'string' ? r
  : typeof (r as { message?: unknown })?.message === 'string' ? (r as { message: string }).message : JSON.stringify(r));

/** The plan stored for a run, best first; null when none was written yet. */
export async function storedExperimentPlan(handle: Db, runId: string): Promise<LiftTest[] | null> {
  const rows = await handle.db.selectFrom('experiment_plans').select('plan').where('run_id', '=', runId).orderBy('rank').execute();
  return rows.length ? rows.map((r) => r.plan as unknown as LiftTest) : null;
}

/** What `planLiftTests` needs, read from the run's stored outputs (with the run's month); a reason instead when the run has none to plan from. */
export async function experimentPlanInput(handle: Db, runId: string): Promise<{ input: LiftTestPlanInput; month: string } | { reason: string }> {
  const { db } = handle;
  const run = await runById(db, runId);
  if (!run) throw new Error(`no run ${runId} in schema ${handle.schema}`);
  const version = await db.selectFrom('model_versions').select('params').where('run_id', '=', runId).where('family', '=', 'incrementality').executeTakeFirst();
  if (!version) return { reason: `run ${runId} has not been retrained yet: a plan needs its media-mix model` };
  const stored = version.params as unknown as StoredMmm | MmmUnavailable;
  if (isMmmUnavailable(stored)) return { reason: `run ${runId} has no media-mix model to plan from: ${stored.reason}` };
  const batch = await db.selectFrom('run_batches').select('batch_id').where('run_id', '=', runId).executeTakeFirstOrThrow();
  const asOf = asOfDate(run.month);

  const incrementality = await db.selectFrom('incrementality').select(['channel', 'roi', 'detail']).where('run_id', '=', runId).orderBy('channel').execute();
  const spend = await db.selectFrom('src_spend').select(['month', 'channel', 'amount_usd']).where('batch_id', '=', batch.batch_id).where('month', '<=', run.month).execute();
  const current = recentSpend(spend.map((s) => ({ ...s, amount_usd: Number(s.amount_usd) })), run.month, budgetPolicyOf(run.config as Partial<AcvloopConfig> | null).recentMonths);
  // Counted in Postgres: a drop has about a million touches, the plan needs two numbers per channel.
  const touches = await handle.pool.query<{ channel: string; offline: string; n: string }>(
    `select channel, count(*) filter (where kind = 'offline') as offline, count(*) as n from src_touchpoints
     where batch_id = $1 and occurred_at < $2 group by channel`, [batch.batch_id, asOf]);
  const offlineShare = new Map(touches.rows.map((t) => [t.channel, Number(t.offline) / Number(t.n)]));
  const accounts = await handle.pool.query<{ region: string | null; n: string }>(
    'select region, count(*) as n from src_accounts where batch_id = $1 group by region', [batch.batch_id]);
  // Identifiability flags as the incrementality row keeps them (written with the fit's results since they existed); absent before.
  type Flag = { identified?: unknown; reasons?: unknown } | undefined;

  const channels: LiftTestChannel[] = incrementality.map((i) => {
    const roi = (i.detail as { roi?: { p10?: number; p90?: number } }).roi;
    const flag = (i.detail as { identifiability?: Flag }).identifiability;
    return {
      channel: i.channel, monthlySpend: current[i.channel] ?? 0, roi: i.roi ?? 0, roiLow: roi?.p10 ?? i.roi ?? 0, roiHigh: roi?.p90 ?? i.roi ?? 0,
      acvPerUnit: stored.unitValue[i.channel] ?? stored.baselineUnitValue, offlineShare: offlineShare.get(i.channel) ?? 0,
      identified: typeof flag?.identified === 'boolean' ? flag.identified : null,
      identifiabilityReasons: Array.isArray(flag?.reasons) ? flag.reasons.map(reasonText) : undefined,
    };
  });
  return {
    month: run.month,
    input: {
      channels, residualSd: stored.residualSd,
      regions: accounts.rows.filter((a) => a.region !== null && a.region !== '').map((a) => ({ region: a.region as string, accounts: Number(a.n) })),
      accounts: accounts.rows.reduce((s, a) => s + Number(a.n), 0),
    },
  };
}

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
