import {
  ActivityFailure, ApplicationFailure, condition, log, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { CycleActivities } from '../activities';
import {
  CycleInput, CycleProgress, CycleResult, DecisionInput, DecisionRecord, STAGES, StageName,
  decideSignal, decideUpdate, progressQuery, refuseDecision,
} from './messages';

const DEFAULT_APPROVAL_TIMEOUT_MS = 7 * 24 * 3600 * 1000;

// Bookkeeping activities: small writes, retried quickly.
const bookkeeping = proxyActivities<CycleActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * The monthly cycle: ingest -> validate -> lineage -> graph -> retrain ->
 * backtest -> score -> approval -> publish. Activities pass the run id and
 * read and write Postgres; nothing bigger than a summary crosses Temporal.
 */
export async function monthlyCycle(input: CycleInput): Promise<CycleResult> {
  // The data stages are long: they heartbeat, so a killed worker is noticed within the heartbeat timeout.
  const stages = proxyActivities<CycleActivities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: input.heartbeatTimeoutMs ?? 30_000,
    retry: {
      initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5,
      nonRetryableErrorTypes: ['DropRejected', 'DropChanged'],
    },
  });

  const progress: CycleProgress = {
    runId: input.runId,
    month: input.month,
    requestedBy: input.requestedBy,
    status: 'running',
    stages: STAGES.map((name) => ({ name, status: 'pending', startedAt: null, finishedAt: null })),
  };
  let pendingDecision: DecisionRecord | undefined;
  const take = (d: DecisionInput): DecisionRecord => {
    pendingDecision = {
      decision: d.decision === 'approve' ? 'approved' : 'rejected',
      reviewer: d.reviewer.trim(),
      reason: d.reason?.trim() || null,
      at: new Date().toISOString(),
    };
    progress.decision = pendingDecision;
    return pendingDecision;
  };

  setHandler(progressQuery, () => progress);
  setHandler(decideUpdate, take, {
    validator: (d: DecisionInput) => {
      const why = refuseDecision(progress, d);
      if (why) throw new Error(why);
    },
  });
  setHandler(decideSignal, (d: DecisionInput) => {
    const why = refuseDecision(progress, d);
    if (why) log.warn('decision signal refused', { reviewer: d?.reviewer, why });
    else take(d);
  });

  const at = () => new Date().toISOString();
  const stage = async <T extends Record<string, unknown>>(name: StageName, run: () => Promise<T>): Promise<T> => {
    const s = progress.stages.find((x) => x.name === name)!;
    s.status = 'running';
    s.startedAt = at();
    try {
      const summary = await run();
      s.status = 'completed';
      s.finishedAt = at();
      s.summary = summary;
      return summary;
    } catch (err) {
      s.status = 'failed';
      s.finishedAt = at();
      throw err;
    }
  };

  try {
    await bookkeeping.registerRun({
      runId: input.runId, month: input.month, dropPath: input.dropPath, dropSha256: input.dropSha256,
      version: input.version, requestedBy: input.requestedBy, workflowRunId: workflowInfo().runId,
      config: input.config, attributionPolicy: input.attributionPolicy,
    });
    const runId = input.runId;
    await stage('ingest', () => stages.ingest({ runId }));
    await stage('validate', () => stages.validate({ runId }));
    await stage('lineage', () => stages.recordLineage({ runId }));
    await stage('graph', () => stages.buildGraph({ runId }));
    await stage('retrain', () => stages.retrain({ runId }));
    await stage('backtest', () => stages.backtest({ runId }));
    await stage('score', () => stages.score({ runId }));

    const gate = progress.stages.find((x) => x.name === 'approval')!;
    gate.status = 'running';
    gate.startedAt = at();
    const timeoutMs = input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    progress.approvalDeadline = new Date(Date.now() + timeoutMs).toISOString();
    progress.status = 'awaiting_approval';
    const decided = await condition(() => pendingDecision !== undefined, timeoutMs);
    gate.finishedAt = at();

    if (!decided) {
      progress.status = 'expired';
      gate.status = 'failed';
      progress.stages.find((x) => x.name === 'publish')!.status = 'skipped';
      await bookkeeping.recordExpiry({ runId, at: gate.finishedAt });
      return { runId, status: 'expired' };
    }
    const decision = pendingDecision!;
    gate.status = 'completed';
    gate.summary = { ...decision };
    await bookkeeping.recordDecision({ runId, ...decision });
    if (decision.decision === 'rejected') {
      progress.status = 'rejected';
      progress.stages.find((x) => x.name === 'publish')!.status = 'skipped';
      return { runId, status: 'rejected', decision };
    }
    await stage('publish', () => stages.publish({ runId }));
    progress.status = 'completed';
    return { runId, status: 'completed', decision };
  } catch (err) {
    const reason = describeFailure(err);
    progress.status = 'failed';
    progress.error = reason;
    for (const s of progress.stages) if (s.status === 'pending') s.status = 'skipped';
    await bookkeeping.recordFailure({ runId: input.runId, error: reason });
    throw ApplicationFailure.create({ type: 'CycleFailed', message: reason, nonRetryable: true, cause: err as Error });
  }
}

/** The innermost message of an activity failure, in the words the activity gave. */
function describeFailure(err: unknown): string {
  let e: any = err;
  const stagePrefix = err instanceof ActivityFailure ? `${err.activityType} failed: ` : '';
  while (e?.cause) e = e.cause;
  return stagePrefix + (e?.message ?? String(err));
}
