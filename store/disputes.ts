import type { Kysely } from 'kysely';
import type { Database } from '../sql/database';

/**
 * Flagged misattributions (`disputes`) and their resolutions
 * (`dispute_resolutions`): both append-only, at most one resolution per
 * dispute. The caller holds the transaction, so a dispute and its audit entry
 * land together. queries/run-report.ts reads the open ones for the faces.
 */
export interface NewDispute {
  runId: string; opportunityId: string; reason: string; raisedBy: string; model: string; policyVersion: string; credit: unknown;
}

/** Records a dispute; its id and when it was raised. */
export async function insertDispute(db: Kysely<Database>, d: NewDispute): Promise<{ id: string; raised_at: Date }> {
  return db.insertInto('disputes')
    .values({ run_id: d.runId, opportunity_id: d.opportunityId, reason: d.reason, raised_by: d.raisedBy, model: d.model,
      policy_version: d.policyVersion, credit: JSON.stringify(d.credit) })
    .returning(['id', 'raised_at']).executeTakeFirstOrThrow();
}

/** The dispute, locked until the transaction ends (two resolvers take turns); undefined when there is none. */
export async function disputeForUpdate(db: Kysely<Database>, id: string) {
  return db.selectFrom('disputes').select(['id', 'run_id', 'opportunity_id']).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Who resolved the dispute and when; undefined while it is open. */
export async function resolutionOf(db: Kysely<Database>, disputeId: string) {
  return db.selectFrom('dispute_resolutions').select(['resolved_by', 'resolved_at']).where('dispute_id', '=', disputeId).executeTakeFirst();
}

/** Records the resolution of a dispute; when it was resolved. */
export async function insertResolution(db: Kysely<Database>, r: { disputeId: string; resolvedBy: string; note: string }): Promise<{ resolved_at: Date }> {
  return db.insertInto('dispute_resolutions').values({ dispute_id: r.disputeId, resolved_by: r.resolvedBy, note: r.note })
    .returning(['resolved_at']).executeTakeFirstOrThrow();
}
