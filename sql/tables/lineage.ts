/** OpenLineage RunEvents as the stages emitted them. */
import type { Generated } from 'kysely';
import type { Json, Timestamp } from './column-types';

export interface LineageEventsTable {
  id: Generated<string>;
  run_id: string;
  job: string;
  event_type: 'START' | 'COMPLETE' | 'FAIL';
  attempt: number;
  event: Json;
  at: Timestamp;
}

/** The lineage tables by name. */
export interface LineageTables {
  lineage_events: LineageEventsTable;
}
