import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ApprovalDecisionsTable, ApprovalRequestsTable, ApprovalsTable, Database } from '../sql/database';

/**
 * A run's sign-off: the approval asked for (approval_requests), each
 * reviewer's decision (approval_decisions) and the run's decision
 * (approvals). Reads publish takes its actor and promotion from.
 */

/** Who approved the run, when its decision is an approval. */
export async function approvalOf(db: Kysely<Database>, runId: string): Promise<{ reviewer: string | null } | undefined> {
  return db.selectFrom('approvals').select('reviewer').where('run_id', '=', runId).where('decision', '=', 'approved').executeTakeFirst();
}

/** How many approvers the run's approval request asks for, or undefined before it is asked. */
export async function requiredApproversOf(db: Kysely<Database>, runId: string): Promise<number | undefined> {
  return (await db.selectFrom('approval_requests').select('required_approvers').where('run_id', '=', runId).executeTakeFirst())?.required_approvers;
}

/** The reviewers who approved asking that the run become champion though older than the champion's run, in the order they decided. */
export async function promoteOlderAskedBy(db: Kysely<Database>, runId: string): Promise<string[]> {
  const rows = await db.selectFrom('approval_decisions').select('reviewer').where('run_id', '=', runId).where('decision', '=', 'approved')
    .where('promote_older', '=', true).orderBy('id').execute();
  return rows.map((r) => r.reviewer);
}

export type ApprovalRequestRow = Selectable<ApprovalRequestsTable>;

/** The approval asked for the run, or undefined before its approval request. */
export async function approvalRequestOf(db: Kysely<Database>, runId: string): Promise<ApprovalRequestRow | undefined> {
  return db.selectFrom('approval_requests').selectAll().where('run_id', '=', runId).executeTakeFirst();
}

/** Asks for the run's approval: written once per run (the caller checks under its lock). */
export async function insertApprovalRequest(db: Kysely<Database>, request: Insertable<ApprovalRequestsTable>): Promise<void> {
  await db.insertInto('approval_requests').values(request).execute();
}

/** The run's decision (approved, rejected, or expired without one); the first decision recorded stays. */
export async function insertApproval(db: Kysely<Database>, a: Insertable<ApprovalsTable>): Promise<void> {
  await db.insertInto('approvals').values(a).onConflict((oc) => oc.column('run_id').doNothing()).execute();
}

/** One reviewer's decision on the run; a reviewer decides once, so a retry writes nothing twice. */
export async function insertApprovalDecision(db: Kysely<Database>, d: Insertable<ApprovalDecisionsTable>): Promise<void> {
  await db.insertInto('approval_decisions').values(d).onConflict((oc) => oc.constraint('approval_decisions_once').doNothing()).execute();
}
