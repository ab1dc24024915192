import { Context } from '@temporalio/activity';
import type { Db } from '../sql/db';
import { isDatabaseUnavailable, unavailableReason } from '../sql/outage';
import { asOfDate } from '../lib/dates';
import { insertLineageEvent, insertStageEvent } from '../store/run-events';
import { registeredRun, runMonth } from '../store/runs';
import { resolveSourceScope } from '../store/pilot-scope';
import { isOrgWide } from '../lib/run-scope';
import { LineageDataset, runEvent } from '../lib/openlineage';

/** What every activity is built over: injected, so tests can wrap or fail them. */
export interface ActivityDeps {
  db: Db;
  /** The code version recorded on runs and model versions (package version + git commit when known). */
  codeVersion: string;
  /** Clock for event times; activities may read time, workflows may not. */
  now?: () => Date;
  /** Where OpenLineage events are also POSTed (Marquez), when set. */
  openLineageUrl?: string;
  log?: (msg: string) => void;
}

/** Heartbeats when running inside Temporal; a no-op in plain unit tests. */
export function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not inside an activity
  }
}

export function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

export interface StageOutput<S> {
  summary: S;
  inputs?: LineageDataset[];
  outputs?: LineageDataset[];
}

/**
 * Runs one stage of a run: records `started`, the OpenLineage START event,
 * then `completed` with its summary and the COMPLETE event (or `failed` and
 * FAIL). Keyed by (run, stage, attempt), so a retry adds its own attempt and
 * never duplicates one.
 */
export async function withStage<S extends Record<string, unknown>>(
  deps: ActivityDeps, runId: string, stage: string, body: () => Promise<StageOutput<S>>,
): Promise<S> {
  const { db } = deps.db;
  const n = attempt();
  const now = () => (deps.now ? deps.now() : new Date());
  const month = await runMonth(db, runId);
  if (month === undefined) throw new Error(`run ${runId} is not registered`);
  const emit = async (eventType: 'START' | 'COMPLETE' | 'FAIL', extra: Partial<Parameters<typeof runEvent>[0]>) => {
    const event = runEvent({ eventType, eventTime: now().toISOString(), runId, month, job: stage, ...extra });
    await insertLineageEvent(db, { runId, job: stage, eventType, attempt: n, event });
    await postLineage(deps, event);
  };
  await insertStageEvent(db, { runId, stage, status: 'started', attempt: n });
  await emit('START', {});
  try {
    const out = await body();
    await insertStageEvent(db, { runId, stage, status: 'completed', attempt: n, summary: out.summary });
    await emit('COMPLETE', { inputs: out.inputs, outputs: out.outputs });
    return out.summary;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    try {
      await insertStageEvent(db, { runId, stage, status: 'failed', attempt: n, error: message });
      await emit('FAIL', { error: message });
    } catch (recordErr) {
      // With the database gone, the failure cannot be recorded in it; the stage's own error is what the caller must see.
      if (!isDatabaseUnavailable(recordErr)) throw recordErr;
      deps.log?.(`acvloop: ${stage} of run ${runId}: the failed attempt ${n} is not recorded (${unavailableReason(recordErr)})`);
    }
    throw err;
  }
}

async function postLineage(deps: ActivityDeps, event: Record<string, unknown>): Promise<void> {
  if (!deps.openLineageUrl) return;
  // Lineage delivery must not fail the data stage: the event is already stored in Postgres.
  try {
    await fetch(new URL('/api/v1/lineage', deps.openLineageUrl), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event),
      signal: AbortSignal.timeout(5000),
    });
  } catch (err) {
    deps.log?.(`OpenLineage POST failed: ${(err as Error).message}`);
  }
}

/** The batch a run reads (set by its ingest stage). */
export async function batchOf(deps: ActivityDeps, runId: string): Promise<string> {
  const row = await deps.db.db.selectFrom('run_batches').select('batch_id').where('run_id', '=', runId).executeTakeFirst();
  if (!row) throw new Error(`run ${runId} has no ingest batch yet`);
  return row.batch_id;
}

/**
 * What the stages after validation start from: the run's row, its batch
 * (refused unless it passed validation), the date its models see the
 * world as of, and a pilot's `scope` resolved to its accounts in the run's
 * account graph (null for an organisation-wide run): the stages after
 * graph pass it to loadSources. Drift and validation read the whole drop.
 */
export async function runContext(deps: ActivityDeps, runId: string) {
  const run = await registeredRun(deps.db.db, runId);
  const batchId = await validatedBatchOf(deps, runId);
  const scope = isOrgWide(run.scope) ? null : await resolveSourceScope(deps.db, runId, batchId, run.scope!);
  return { run, batchId, asOf: asOfDate(run.month), seed: Number(run.seed), scope };
}

/** The run's batch, once validation accepted it: no model is ever fitted on a rejected or unvalidated drop. */
export async function validatedBatchOf(deps: ActivityDeps, runId: string): Promise<string> {
  const batchId = await batchOf(deps, runId);
  const report = await deps.db.db.selectFrom('validation_reports').select('ok').where('batch_id', '=', batchId).executeTakeFirst();
  if (!report) throw new Error(`run ${runId}: its batch has not been validated yet`);
  if (!report.ok) throw new Error(`run ${runId}: its batch was rejected by validation; nothing downstream may use it`);
  return batchId;
}

