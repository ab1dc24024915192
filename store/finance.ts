import type { Kysely, Selectable } from 'kysely';
import type { Database, FinanceChannelMarginsTable, FinanceLeakageTable, FinanceRunsTable, FinanceTimeToValueTable } from '../sql/database';

/**
 * Contract finance of a run (issue 17): what activities/finance.ts stores,
 * in one transaction (the run's row, then its leakage, margin and time to
 * value rows), and the reads `show` and the report will take.
 */

export type FinanceRunRow = Omit<Selectable<FinanceRunsTable>, 'created_at' | 'summary'> & { summary: unknown };
export type FinanceLeakageRow = Omit<Selectable<FinanceLeakageTable>, 'run_id'>;
export type FinanceMarginRow = Omit<Selectable<FinanceChannelMarginsTable>, 'run_id'>;
export type FinanceTimeToValueRow = Omit<Selectable<FinanceTimeToValueTable>, 'run_id'>;

export interface FinanceRows {
  leakage: readonly FinanceLeakageRow[];
  margins: readonly FinanceMarginRow[];
  timeToValue: readonly FinanceTimeToValueRow[];
}

const RUN_COLUMNS = ['run_id', 'month', 'as_of', 'overdue_days', 'invoices', 'billed', 'collected', 'dso_days', 'overdue_count', 'overdue_amount',
  'expected_to_date', 'billed_to_date', 'leakage', 'summary'] as const;

/**
 * Stores a run's finance: its row, then its lines, on `tx` (the caller's
 * locked transaction), so all land or none.
 */
export async function insertFinance(tx: Kysely<Database>, run: FinanceRunRow, rows: FinanceRows): Promise<void> {
  await tx.insertInto('finance_runs').values({ ...run, summary: JSON.stringify(run.summary) }).execute();
  const runId = run.run_id;
  if (rows.leakage.length > 0) await tx.insertInto('finance_leakage').values(rows.leakage.map((r) => ({ run_id: runId, ...r }))).execute();
  if (rows.margins.length > 0) await tx.insertInto('finance_channel_margins').values(rows.margins.map((r) => ({ run_id: runId, ...r }))).execute();
  if (rows.timeToValue.length > 0) await tx.insertInto('finance_time_to_value').values(rows.timeToValue.map((r) => ({ run_id: runId, ...r }))).execute();
}

/** The run's finance row; undefined when the run has none (it predates finance, or has not stored it yet). */
export async function financeRun(db: Kysely<Database>, runId: string): Promise<FinanceRunRow | undefined> {
  return db.selectFrom('finance_runs').select([...RUN_COLUMNS]).where('run_id', '=', runId).executeTakeFirst();
}

/** The run's lines: leakage by rank, margins by gross margin, time to value by segment. */
export async function financeRowsOf(db: Kysely<Database>, runId: string): Promise<FinanceRows> {
  const [leakage, margins, timeToValue] = await Promise.all([
    db.selectFrom('finance_leakage').select(['rank', 'contract_id', 'account_id', 'elapsed', 'expected', 'billed', 'gap'])
      .where('run_id', '=', runId).orderBy('rank').execute(),
    db.selectFrom('finance_channel_margins')
      .select(['lead_source', 'channel', 'contracts', 'acv', 'cost_to_serve', 'gross_margin', 'spend', 'margin_per_dollar'])
      .where('run_id', '=', runId).orderBy('gross_margin', 'desc').orderBy('lead_source').execute(),
    db.selectFrom('finance_time_to_value').select(['segment', 'contracts', 'valued', 'median_days', 'pending', 'no_usage', 'before_usage'])
      .where('run_id', '=', runId).orderBy('segment').execute(),
  ]);
  return { leakage, margins, timeToValue };
}
