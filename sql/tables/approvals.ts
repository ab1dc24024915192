/** The release of a run: the gate's verdict, the approval asked for, each reviewer's decision, the outcome and the publication. */
import type { ColumnType, Generated } from 'kysely';
import type { Json, Timestamp } from './column-types';

export interface GateVerdictsTable {
  run_id: string; passed: boolean; promote: Json<any>; families: Json<any>; checks: Json<any>; thresholds: Json<any>; created_at: Timestamp;
}

export interface ApprovalRequestsTable {
  run_id: string; required_approvers: number; budget_move_share: number | null; sign_off: Json<any>; changes: Json<any>;
  previous_run_id: string | null; created_at: Timestamp;
}

export interface ApprovalDecisionsTable {
  id: Generated<string>; run_id: string; reviewer: string; decision: 'approved' | 'rejected'; reason: string | null;
  decided_at: ColumnType<Date, Date | string, never>;
  /** The reviewer asked that a run older than the champion's (a backfilled month) become champion all the same. */
  promote_older: ColumnType<boolean, boolean | undefined, never>;
}

export interface ApprovalsTable {
  run_id: string;
  decision: 'approved' | 'rejected' | 'expired';
  reviewer: string | null;
  reason: string | null;
  decided_at: ColumnType<Date, Date | string, never>;
}

export interface PublicationsTable {
  run_id: string; published_at: Timestamp; outputs: Json;
}

/** The approvals tables by name. */
export interface ApprovalsTables {
  gate_verdicts: GateVerdictsTable;
  approval_requests: ApprovalRequestsTable;
  approval_decisions: ApprovalDecisionsTable;
  approvals: ApprovalsTable;
  publications: PublicationsTable;
}
