import { Kysely } from 'kysely';

/**
 * How many values a contract's LTV can take (issue 12). With a fixed
 * expansion rate the LTV is a function of how many renewals the contract
 * survives, so it has at most renewals-in-horizon + 1 values and its P50 and
 * P90 often coincide; the column says so on every score row instead of
 * leaving two equal quantiles to look like a bug. Null: a continuous LTV, or
 * a row written before this column. Frozen in time: it never imports app code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('contract_scores').addColumn('ltv_outcomes', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('contract_scores').dropColumn('ltv_outcomes').execute();
}
