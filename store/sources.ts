import type { PoolClient } from 'pg';
import type { AcceptedRowSink } from '../contracts';
import type { DropFileName } from '../contracts/rows';
import { copyLineWriter, copyTextCell, openCopy, type CopyWriter } from '../sql/copy';
import { SOURCE_TABLES } from '../sql/tables/sources';
import type { Db } from '../sql/db';
import { monthFromIndex, monthIndex } from '../lib/dates';

/**
 * The validated source tables (`src_<file>`, sql/tables/sources.ts): a
 * batch's accepted rows, loaded by COPY in validate's transaction as the
 * contracts accept them, and never changed. Their tables and columns come
 * from `SOURCE_TABLES`; activities/load.ts reads them back.
 */

/**
 * A sink for validateDrop that COPYs each file's accepted rows into its
 * source table as they come, one COPY per file; `loaded` hears of each file
 * once its rows are in. `abort` cancels the COPY under way.
 */
export function sourceRowsCopy(client: PoolClient, batchId: string, loaded: (file: DropFileName) => void = () => {}): AcceptedRowSink & { abort(): Promise<void> } {
  const prefix = `${copyTextCell(batchId)}\t`;
  let open: { file: DropFileName; line: ReturnType<typeof copyLineWriter>; writer: CopyWriter } | null = null;
  return {
    row(file, row) {
      if (open === null) {
        const spec = SOURCE_TABLES[file] as { table: string; columns: string[] };
        open = { file, line: copyLineWriter(spec.columns), writer: openCopy(client, spec.table, ['batch_id', ...spec.columns]) };
      } else if (open.file !== file) {
        throw new Error(`rows of ${file} came before ${open.file} was done`);
      }
      open.writer.pushText(open.line(row, prefix));
    },
    async fileDone(file) {
      if (open === null) return;
      const { writer } = open;
      open = null;
      await writer.end();
      loaded(file);
    },
    ready: () => open?.writer.ready(),
    async abort() {
      if (open === null) return;
      const { writer } = open;
      open = null;
      await writer.abort();
    },
  };
}

/** The last month of spend and of opportunities created in a validated batch (what the run's models will read), or null when none. */
export async function lastMonthsOfBatch(handle: Db, batchId: string): Promise<{ spend: string | null; opportunities: string | null }> {
  const q = (text: string) => handle.pool.query<{ last: string | null }>(text, [batchId]).then((r) => r.rows[0]?.last ?? null);
  return {
    spend: await q('select max(month) as last from src_spend where batch_id = $1'),
    opportunities: await q(`select to_char(max(created_at), 'YYYY-MM') as last from src_opportunities where batch_id = $1`),
  };
}

/** A drop file's table as a window reads it: the column its records are dated by, how to compare it, the columns to read. */
export interface DatedSource {
  table: string;
  dateColumn: string;
  dateKind: 'date' | 'timestamp' | 'month';
  columns: readonly string[];
}

/** Months `from`..`to` (YYYY-MM, inclusive). */
export interface MonthWindow { from: string; to: string }

/** SQL condition (and its two values) for records dated in months from..to. */
function datedIn(spec: DatedSource, w: MonthWindow): { where: string; values: string[] } {
  const col = `"${spec.dateColumn}"`;
  const next = monthFromIndex(monthIndex(w.to) + 1);
  if (spec.dateKind === 'month') return { where: `${col} >= $2 and ${col} <= $3`, values: [w.from, w.to] };
  if (spec.dateKind === 'timestamp') {
    return { where: `${col} >= ($2 || '-01T00:00:00Z')::timestamptz and ${col} < ($3 || '-01T00:00:00Z')::timestamptz`, values: [w.from, next] };
  }
  return { where: `${col} >= ($2 || '-01')::date and ${col} < ($3 || '-01')::date`, values: [w.from, next] };
}

/**
 * The window's records of a batch, just the columns the features read: a
 * window is a few months of a drop, so a million touchpoints are never held
 * whole. Timestamps come back as UTC ISO text (as readSourceRows gives them).
 */
export async function sourceWindowRows(handle: Db, spec: DatedSource, batchId: string, w: MonthWindow): Promise<Record<string, any>[]> {
  const { where, values } = datedIn(spec, w);
  const cols = spec.columns.map((c) => (spec.dateKind === 'timestamp' && c === spec.dateColumn
    ? `to_char("${c}" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "${c}"` : `"${c}"`));
  const res = await handle.pool.query(`select ${cols.join(', ')} from ${spec.table} where batch_id = $1 and ${where} order by line`, [batchId, ...values]);
  return res.rows;
}

/** Records of a batch dated in `month` (counted in SQL: an earlier batch is never loaded for a count). */
export async function sourceMonthCount(handle: Db, spec: DatedSource, batchId: string, month: string): Promise<number> {
  const { where, values } = datedIn(spec, { from: month, to: month });
  const res = await handle.pool.query(`select count(*)::int as n from ${spec.table} where batch_id = $1 and ${where}`, [batchId, ...values]);
  return res.rows[0].n;
}
