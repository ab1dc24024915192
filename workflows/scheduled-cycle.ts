import {
  ApplicationFailure, ChildWorkflowCancellationType, ParentClosePolicy,
  WorkflowIdReusePolicy, proxyActivities, startChild, upsertMemo, workflowInfo,
} from '@temporalio/workflow';
import { SearchAttributeType, WorkflowExecutionAlreadyStartedError, defineSearchAttributeKey } from '@temporalio/common';
import type { CycleActivities } from '../activities';
import type { AcvloopConfig } from '../config/schema';
import { monthOfScheduledTime } from '../lib/wall-clock';
import type { CycleResult } from './messages';
import type { monthlyCycle } from './monthly-cycle';
import { runIdFor } from './run-id';

/** What the schedule's action holds: fixed when the schedule is created or updated. */
export interface ScheduledCycleInput {
  /** Absolute folder pattern of the drops; `{month}` becomes the month the run is for. */
  dropPattern: string;
  config: AcvloopConfig;
  requestedBy: 'schedule';
}

export interface ScheduledCycleResult extends CycleResult {
  month: string;
  version: number;
  dropPath: string;
  dropSha256: string;
}

/** What the parent records in its memo, so `acvloop schedule describe` finds the month and the run without a worker. */
export interface ScheduledCycleMemo {
  month?: string;
  runId?: string;
}

/** Set by Temporal on every run a schedule starts, backfills included: the nominal time of that run. */
const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

// Hashing a large drop reads every byte: minutes, not seconds. A missing drop is final (DropMissing).
const drops = proxyActivities<CycleActivities>({
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['DropMissing'] },
});

/**
 * A run of the monthly schedule: the month is the one before the scheduled
 * time (on the schedule's clock), the drop is that month's folder, and the
 * cycle runs as a child `monthlyCycle` with the run id `acvloop run` would
 * give it (version 1, or the next one free). The child outlives this
 * workflow if it is terminated (ABANDON): a run waiting for its reviewer is
 * only ever decided or expired by its own approval gate.
 */
export async function scheduledCycle(input: ScheduledCycleInput): Promise<ScheduledCycleResult> {
  const scheduledAt = workflowInfo().typedSearchAttributes.get(SCHEDULED_START);
  if (!scheduledAt) {
    throw ApplicationFailure.create({
      type: 'NotScheduled', nonRetryable: true,
      message: 'scheduledCycle runs from a schedule (it reads TemporalScheduledStartTime); start a month by hand with `acvloop run`',
    });
  }
  const month = monthOfScheduledTime(scheduledAt, input.config.schedule.timeZone);
  upsertMemo({ month } satisfies ScheduledCycleMemo);

  let drop;
  try {
    drop = await drops.resolveScheduledDrop({ month, dropPattern: input.dropPattern });
  } catch (err) {
    throw failure(`scheduled cycle for ${month}`, err);
  }

  // The version: try 1, 2, … with REJECT_DUPLICATE, as `acvloop run --rerun` does. Temporal's id
  // uniqueness decides (no check-then-start race with a manual run), and each refusal is an
  // event in this history, so a replay takes the same version.
  for (let version = 1; version < 1000; version++) {
    const runId = runIdFor(month, drop.dropSha256, version);
    let child;
    try {
      child = await startChild<typeof monthlyCycle>('monthlyCycle', {
        workflowId: runId,
        args: [{
          runId, month, version, dropPath: drop.dropPath, dropSha256: drop.dropSha256,
          // The cycle takes its approval rules and timeout from the config.
          requestedBy: input.requestedBy, config: input.config,
        }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // Cancelling this workflow leaves the cycle alone too: a cycle is stopped by its own run id.
        cancellationType: ChildWorkflowCancellationType.ABANDON,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) continue;
      throw err;
    }
    upsertMemo({ month, runId } satisfies ScheduledCycleMemo);
    try {
      const result = await child.result();
      return { ...result, month, version, dropPath: drop.dropPath, dropSha256: drop.dropSha256 };
    } catch (err) {
      throw failure(runId, err);
    }
  }
  throw ApplicationFailure.create({ type: 'TooManyVersions', nonRetryable: true, message: `${month}: versions 1-999 of this drop are all taken` });
}

/** Fails this workflow with the innermost reason, in the words the activity or the cycle gave. */
function failure(what: string, err: unknown): ApplicationFailure {
  let e: any = err;
  while (e?.cause) e = e.cause;
  const reason = e?.message ?? String(err);
  return ApplicationFailure.create({ type: 'ScheduledCycleFailed', nonRetryable: true, message: `${what}: ${reason}`, cause: err as Error });
}
