import type { Kysely } from 'kysely';
import type { Database } from '../sql/database';

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
