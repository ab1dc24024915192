import type { Kysely } from 'kysely';
import type { Database, LineageEventsTable, RunStageEventsTable } from '../sql/database';

/**
 * What a run's stages recorded as they went: `run_stage_events` (started,
 * completed with its summary, or failed with its error) and `lineage_events`
 * (the OpenLineage RunEvents, built by the caller). Both are keyed by (run,
 * stage or job, status or event type, attempt), so a retried write keeps the
 * first row and a new attempt adds its own.
 */
export interface StageEvent {
  runId: string;
  stage: string;
  status: RunStageEventsTable['status'];
  attempt: number;
  summary?: Record<string, unknown> | null;
  error?: string | null;
}

export async function insertStageEvent(db: Kysely<Database>, e: StageEvent): Promise<void> {
  await db.insertInto('run_stage_events')
    .values({ run_id: e.runId, stage: e.stage, status: e.status, attempt: e.attempt,
      summary: e.summary == null ? null : JSON.stringify(e.summary), error: e.error ?? null })
    .onConflict((oc) => oc.constraint('run_stage_events_once').doNothing())
    .execute();
}

export interface LineageEvent {
  runId: string;
  job: string;
  eventType: LineageEventsTable['event_type'];
  attempt: number;
  /** The OpenLineage RunEvent as JSON. */
  event: Record<string, unknown>;
}

export async function insertLineageEvent(db: Kysely<Database>, e: LineageEvent): Promise<void> {
  await db.insertInto('lineage_events')
    .values({ run_id: e.runId, job: e.job, event_type: e.eventType, attempt: e.attempt, event: JSON.stringify(e.event) })
    .onConflict((oc) => oc.constraint('lineage_events_once').doNothing())
    .execute();
}
