import {
  ActivityFailure, ApplicationFailure, allHandlersFinished, condition, patched, proxyActivities, setHandler, workflowInfo,
  type ActivityInterfaceFor,
} from '@temporalio/workflow';
import type { CycleActivities } from '../activities';
import { DEFAULT_SCORE_SHARDS, shardIndices } from '../lib/shards';
import type { ApprovalRequest } from '../activities/approval';
import { ApprovalGate } from './approval-gate';
import { bookkeeping } from './bookkeeping';
import { type CycleInput, type CycleProgress, type CycleResult, progressQuery } from './messages';
import { runStage, skipPendingStages, stageOf, startingProgress } from './progress';

/**
 * Governance (issue 4): drift, the backtest gate, approvals by role and by
 * several approvers, reminders. Runs started by an earlier release replay
 * without the marker and keep the earlier path, so a run waiting at the
 * approval gate survives a new worker release (tests/workflows/replay-releases.test.ts).
 */
export const GOVERNANCE_PATCH = 'acvloop-governance-1';

/**
 * Contracts are scored in shards (issue 15): `planScores`, then one
 * `scoreShard` activity per shard, which any worker of the task queue takes,
 * then `score` (KPIs, budget, forecast). A run started before this marker
 * replays its single `score` activity, which scores every contract itself.
 */
export const SHARDED_SCORE_PATCH = 'acvloop-sharded-score-1';

/**
 * The accounts to pursue (issue 16) and the contract finance (issue 17) are
 * computed by their own activities beside the contract shards. A run
 * started before this marker replays without them; its `score` activity
 * computes both itself.
 */
export const BESIDE_SHARDS_PATCH = 'acvloop-beside-shards-1';

type DataActivities = ActivityInterfaceFor<CycleActivities>;

/** The data stages are long: they heartbeat, so a killed worker is noticed within the heartbeat timeout. */
function dataActivities(input: CycleInput): DataActivities {
  return proxyActivities<CycleActivities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: input.heartbeatTimeoutMs ?? 30_000,
    retry: {
      initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5,
      nonRetryableErrorTypes: ['DropRejected', 'DropChanged'],
    },
  });
}

/**
 * The monthly cycle: ingest -> validate -> lineage -> (drift) -> graph ->
 * retrain -> backtest -> (gate) -> score -> approval -> publish. Activities
 * pass the run id and read and write Postgres; nothing bigger than a summary
 * crosses Temporal. A run of the earlier release (no GOVERNANCE_PATCH marker)
 * has no drift or backtest gate and always waits for one reviewer.
 */
export async function monthlyCycle(input: CycleInput): Promise<CycleResult> {
  const { runId } = input;
  // Decided once, at the start: a run keeps the path it started on for its whole life.
  const governed = patched(GOVERNANCE_PATCH);
  const progress = startingProgress(input, governed);
  setHandler(progressQuery, () => progress);
  const approval = new ApprovalGate(input, progress, governed);
  const data = dataActivities(input);

  try {
    await bookkeeping.registerRun({
      runId, month: input.month, dropPath: input.dropPath, dropSha256: input.dropSha256,
      version: input.version, requestedBy: input.requestedBy, workflowRunId: workflowInfo().runId,
      config: input.config, attributionPolicy: input.attributionPolicy,
      // Only a pilot's input carries it: an organisation-wide run schedules registerRun exactly as before.
      ...(input.scope ? { scope: input.scope } : {}),
    });
    await runStage(progress, 'ingest', () => data.ingest({ runId }));
    await runStage(progress, 'validate', () => data.validate({ runId }));
    await runStage(progress, 'lineage', () => data.recordLineage({ runId }));
    // Drift is measured before the retrain it forces, and shown to the reviewer at the approval gate.
    if (governed) await runStage(progress, 'drift', () => data.detectDrift({ runId, thresholds: input.config?.drift }));
    await runStage(progress, 'graph', () => data.buildGraph({ runId }));
    await runStage(progress, 'retrain', () => data.retrain({ runId }));
    await runStage(progress, 'backtest', () => data.backtest({ runId }));
    if (!governed) {
      await runStage(progress, 'score', () => scoreContracts(input, data));
      return await releaseOnDecision(progress, approval, data);
    }
    const verdict = await runStage(progress, 'gate', () => data.evaluateGate({ runId, thresholds: input.config?.gate }));
    await runStage(progress, 'score', () => scoreContracts(input, data));
    const request = await bookkeeping.prepareApproval({ runId, approvals: input.config?.approvals });
    approval.requireApprovers(request.requiredApprovers);
    if (request.requiredApprovers === 0) return await releaseWithoutApproval(progress, verdict, request, data);
    return await releaseOnDecision(progress, approval, data);
  } catch (err) {
    const reason = describeFailure(err);
    progress.status = 'failed';
    progress.error = reason;
    skipPendingStages(progress);
    await bookkeeping.recordFailure({ runId, error: reason });
    throw ApplicationFailure.create({ type: 'CycleFailed', message: reason, nonRetryable: true, cause: err as Error });
  }
}

/**
 * The score stage: every shard's contracts, the accounts and the contract
 * finance, in parallel on whichever workers poll, then the run-wide outputs. Each shard is one activity (three history
 * events), retried on its own: a lost worker costs one shard, not the stage.
 */
async function scoreContracts(input: CycleInput, data: DataActivities) {
  const { runId } = input;
  const parallel: Promise<unknown>[] = [];
  if (patched(SHARDED_SCORE_PATCH)) {
    const plan = await data.planScores({ runId, shards: input.config?.scale?.scoreShards ?? DEFAULT_SCORE_SHARDS });
    parallel.push(...shardIndices(plan.shards).map((shard) => data.scoreShard({ runId, shard, shards: plan.shards })));
  }
  if (patched(BESIDE_SHARDS_PATCH)) parallel.push(data.scoreAccounts({ runId }), data.storeFinance({ runId }));
  await Promise.all(parallel);
  return data.score({ runId });
}

/** Publishes what the reviewers approved once they decide; a rejection or the deadline publishes nothing. */
async function releaseOnDecision(progress: CycleProgress, approval: ApprovalGate, data: DataActivities): Promise<CycleResult> {
  const { runId } = progress;
  const outcome = await approval.decide();
  if (!outcome) return await finish({ runId, status: 'expired' });
  if (outcome.decision.decision === 'rejected') {
    progress.status = 'rejected';
    stageOf(progress, 'publish').status = 'skipped';
    return await finish({ runId, status: 'rejected', ...outcome });
  }
  await runStage(progress, 'publish', () => data.publish({ runId }));
  progress.status = 'completed';
  return await finish({ runId, status: 'completed', ...outcome });
}

/** A governed run that needs no sign-off publishes, unless nothing passed the backtest gate and there is no budget to apply. */
async function releaseWithoutApproval(
  progress: CycleProgress, verdict: { passed: boolean }, request: ApprovalRequest, data: DataActivities,
): Promise<CycleResult> {
  const { runId } = progress;
  if (!verdict.passed && !request.signOff.budget.share) {
    // The run is recorded; nothing is promoted or asked.
    progress.status = 'gate_failed';
    skipPendingStages(progress);
    await bookkeeping.recordGateFailure({ runId });
    return await finish({ runId, status: 'gate_failed' });
  }
  await runStage(progress, 'publish', () => data.publish({ runId }));
  progress.status = 'completed';
  return await finish({ runId, status: 'completed' });
}

/** Ends the run with its result once the decisions still being written are (no dangling handler). */
async function finish<R extends CycleResult>(result: R): Promise<R> {
  await condition(allHandlersFinished);
  return result;
}

/** The innermost message of an activity failure, in the words the activity gave. */
function describeFailure(err: unknown): string {
  let e: any = err;
  const stagePrefix = err instanceof ActivityFailure ? `${err.activityType} failed: ` : '';
  while (e?.cause) e = e.cause;
  return stagePrefix + (e?.message ?? String(err));
}
