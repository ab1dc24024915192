/** Flagged misattributions and their resolutions (both append-only). */
import type { ColumnType, Generated } from 'kysely';
import type { Json, Timestamp } from './column-types';

/** A flagged misattribution of one opportunity in one run (append-only). */
export interface DisputesTable {
  id: Generated<string>; run_id: string; opportunity_id: string; reason: string; raised_by: string; raised_at: Timestamp;
  model: string; policy_version: string; credit: Json<any>;
}

/** The resolution of a dispute (append-only, at most one per dispute): a dispute without one is open. */
export interface DisputeResolutionsTable {
  id: Generated<string>; dispute_id: ColumnType<string, string | number, never>; resolved_by: string; note: string; resolved_at: Timestamp;
}

/** The disputes tables by name. */
export interface DisputesTables {
  disputes: DisputesTable;
  dispute_resolutions: DisputeResolutionsTable;
}
