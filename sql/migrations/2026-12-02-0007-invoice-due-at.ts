import { Kysely } from 'kysely';

/**
 * invoices.csv 1.1.0 (issue 17): the optional `due_at`, stored beside
 * `paid_at` so overdue is exact where billing says when an invoice falls due.
 * Its own migration rather than a line of the finance one: a database that
 * applied 2026-12-02-0004-finance before this column existed still gets it.
 * Frozen in time: it never imports app code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('src_invoices').addColumn('due_at', 'date').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('src_invoices').dropColumn('due_at').execute();
}
