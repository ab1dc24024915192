import {
  ActivityFailure, ApplicationFailure, allHandlersFinished, condition, log, patched, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { CycleActivities } from '../activities';
import { parseDuration } from '../lib/duration';
import {
  CycleInput, CycleProgress, CycleResult, DecisionInput, DecisionRecord, DecisionRules, CYCLE_STAGES, StageName,
  decideSignal, decideUpdate, progressQuery, refuseDecision,
} from './messages';

const DEFAULT_APPROVAL_TIMEOUT_MS = 7 * 24 * 3600 * 1000;
const DEFAULT_REMIND_BEFORE_MS = 24 * 3600 * 1000;

/**
 * Governance (issue 4): drift, the backtest gate, approvals by role and by
 * several approvers, reminders. Runs started by an earlier release replay
 * without the marker and keep the earlier path, so a run waiting at the gate
 * survives a new worker release (tests/workflows/replay-releases.test.ts).
 */
export const GOVERNANCE_PATCH = 'acvloop-governance-1';

/**
 * An approval's `promote: true` (issue 12: a backfilled older month becomes
 * champion only when a reviewer asks) is kept with the decision from this
 * release on; a decision taken before replays without the marker.
 */
export const PROMOTE_OLDER_PATCH = 'acvloop-promote-older-1';

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
    stages: CYCLE_STAGES.map((name) => ({ name, status: 'pending', startedAt: null, finishedAt: null })),
  };
  // Decided once, at the start: a run keeps the path it started on for its whole life.
  const governed = patched(GOVERNANCE_PATCH);
  if (!governed) {
    // Runs of the earlier release never had these stages.
    for (const s of progress.stages) if (s.name === 'drift' || s.name === 'gate') s.status = 'skipped';
  }
  const decisions: DecisionRecord[] = [];
  const rules: DecisionRules | undefined = governed
    ? { reviewers: input.config?.reviewers ?? [], decisions, required: input.config?.approvals.required ?? 1 }
    : undefined;
  let pendingDecision: DecisionRecord | undefined;
  const record = (d: DecisionInput): DecisionRecord => ({
    decision: d.decision === 'approve' ? 'approved' : 'rejected',
    reviewer: d.reviewer.trim(),
    reason: d.reason?.trim() || null,
    at: new Date().toISOString(),
    ...(governed && d.decision === 'approve' && d.promote === true && patched(PROMOTE_OLDER_PATCH) ? { promote: true as const } : {}),
  });
  // The earlier release: one decision ends the gate.
  const take = (d: DecisionInput): DecisionRecord => {
    pendingDecision = record(d);
    progress.decision = pendingDecision;
    return pendingDecision;
  };
  // Governed: each approver's decision is kept (and written before the caller hears back); a rejection or the last approval ends the gate.
  const takeGoverned = async (d: DecisionInput): Promise<DecisionRecord> => {
    const rec = record(d);
    decisions.push(rec);
    progress.decisions = [...decisions];
    if (rec.decision === 'rejected' || decisions.filter((x) => x.decision === 'approved').length >= rules!.required) {
      pendingDecision = rec;
      progress.decision = rec;
    }
    await bookkeeping.recordReviewerDecision({ runId: input.runId, ...rec });
    return rec;
  };

  setHandler(progressQuery, () => progress);
  setHandler(decideUpdate, (d: DecisionInput) => (governed ? takeGoverned(d) : Promise.resolve(take(d))), {
    validator: (d: DecisionInput) => {
      const why = refuseDecision(progress, d, rules);
      if (why) throw new Error(why);
    },
  });
  let refusals = 0;
  setHandler(decideSignal, async (d: DecisionInput) => {
    const why = refuseDecision(progress, d, rules);
    if (!why) {
      if (governed) await takeGoverned(d);
      else take(d);
      return;
    }
    log.warn('decision signal refused', { reviewer: d?.reviewer, why });
    // A refused Update never reaches history (its caller hears the refusal); a refused signal does, so it is audited here.
    if (governed) await bookkeeping.recordRefusal({ runId: input.runId, reviewer: String(d?.reviewer ?? ''), decision: String(d?.decision ?? ''), why, via: 'signal', seq: ++refusals });
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
  const skipRest = () => { for (const s of progress.stages) if (s.status === 'pending') s.status = 'skipped'; };
  const finish = async <R extends CycleResult>(r: R): Promise<R> => {
    // Decisions being written when the run ends are finished first (no dangling handler).
    await condition(allHandlersFinished);
    return r;
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
    // Drift is measured before the retrain it forces, and shown to the reviewer at the gate.
    if (governed) await stage('drift', () => stages.detectDrift({ runId, thresholds: input.config?.drift }));
    await stage('graph', () => stages.buildGraph({ runId }));
    await stage('retrain', () => stages.retrain({ runId }));
    await stage('backtest', () => stages.backtest({ runId }));
    if (governed) {
      const verdict = await stage('gate', () => stages.evaluateGate({ runId, thresholds: input.config?.gate }));
      await stage('score', () => stages.score({ runId }));
      const request = await bookkeeping.prepareApproval({ runId, approvals: input.config?.approvals });
      progress.requiredApprovers = request.requiredApprovers;
      if (request.requiredApprovers === 0) {
        const gate = progress.stages.find((x) => x.name === 'approval')!;
        gate.status = 'skipped';
        if (!verdict.passed && !request.signOff.budget.share) {
          // Nothing passed the gate and there is no budget to apply: the run is recorded, nothing is promoted or asked.
          progress.status = 'gate_failed';
          skipRest();
          await bookkeeping.recordGateFailure({ runId });
          return await finish({ runId, status: 'gate_failed' });
        }
        await stage('publish', () => stages.publish({ runId }));
        progress.status = 'completed';
        return await finish({ runId, status: 'completed' });
      }
      rules!.required = request.requiredApprovers;
    } else {
      await stage('score', () => stages.score({ runId }));
    }

    const gate = progress.stages.find((x) => x.name === 'approval')!;
    gate.status = 'running';
    gate.startedAt = at();
    const timeoutMs = input.approvalTimeoutMs ?? (input.config ? parseDuration(input.config.approvals.timeout, 'approvals.timeout') : DEFAULT_APPROVAL_TIMEOUT_MS);
    const deadline = Date.now() + timeoutMs;
    progress.approvalDeadline = new Date(deadline).toISOString();
    progress.status = 'awaiting_approval';
    let decided: boolean;
    if (governed) {
      // A reminder before expiry: remindBefore ahead of the deadline, or half way when the wait is shorter than that.
      const remindBefore = input.config ? parseDuration(input.config.approvals.remindBefore, 'approvals.remindBefore') : DEFAULT_REMIND_BEFORE_MS;
      const remindAfter = remindBefore < timeoutMs ? timeoutMs - remindBefore : Math.floor(timeoutMs / 2);
      decided = await condition(() => pendingDecision !== undefined, remindAfter);
      if (!decided) {
        progress.reminderSentAt = at();
        await bookkeeping.sendReminder({ runId, deadline: progress.approvalDeadline, webhook: input.config?.approvals.webhook,
          required: rules!.required, approvedBy: decisions.filter((d) => d.decision === 'approved').map((d) => d.reviewer) });
        decided = await condition(() => pendingDecision !== undefined, Math.max(0, deadline - Date.now()));
      }
    } else {
      decided = await condition(() => pendingDecision !== undefined, timeoutMs);
    }
    gate.finishedAt = at();

    if (!decided) {
      progress.status = 'expired';
      gate.status = 'failed';
      progress.stages.find((x) => x.name === 'publish')!.status = 'skipped';
      await bookkeeping.recordExpiry({ runId, at: gate.finishedAt });
      return await finish({ runId, status: 'expired' });
    }
    const decision = pendingDecision!;
    gate.status = 'completed';
    gate.summary = governed ? { ...decision, approvers: decisions.filter((d) => d.decision === 'approved').map((d) => d.reviewer) } : { ...decision };
    const finalDecision = governed && decision.decision === 'approved'
      ? { ...decision, reviewer: decisions.filter((d) => d.decision === 'approved').map((d) => d.reviewer).join(', ') }
      : decision;
    await bookkeeping.recordDecision({ runId, ...finalDecision });
    if (decision.decision === 'rejected') {
      progress.status = 'rejected';
      progress.stages.find((x) => x.name === 'publish')!.status = 'skipped';
      return await finish({ runId, status: 'rejected', decision, ...(governed ? { decisions } : {}) });
    }
    await stage('publish', () => stages.publish({ runId }));
    progress.status = 'completed';
    return await finish({ runId, status: 'completed', decision, ...(governed ? { decisions } : {}) });
  } catch (err) {
    const reason = describeFailure(err);
    progress.status = 'failed';
    progress.error = reason;
    skipRest();
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
