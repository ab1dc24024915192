import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ApprovalRequestsTable, Database } from '../sql/database';

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
