import Cursor from 'pg-cursor';
import { CONTRACTS } from '../contracts';
import type { DropRows } from '../contracts/rows';
import type { Db } from '../sql/db';
import { SOURCE_TABLES } from '../sql/tables/sources';
import type { SqlType } from '../contracts/row-columns';

/**
 * Rows fetched per round trip: the cursor holds one batch of pg's row objects at a time instead of the
 * whole result (bench/README.md, "load-sources", for how the size was chosen).
 */
const BATCH_ROWS = 10_000;

/** Numeric columns come back from Postgres as text and are numbers in the row types. */
const isNumeric = (type: SqlType) => type.startsWith('numeric');

/**
 * Timestamp columns are read as ISO-8601 UTC text (what `Date#toISOString`
 * gives) formatted by Postgres: a million Date objects built and formatted
 * again in JS cost about a second at 100k accounts.
 */
const selectColumn = (c: string, type: SqlType) =>
  type === 'timestamptz' ? `to_char("${c}" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "${c}"` : `"${c}"`;

/**
 * The columns whose values repeat across rows: text and dates, but not a file's own key (one value per row)
 * nor timestamps (nearly one per row). A million touchpoints name about a hundred thousand accounts.
 */
function repeatingColumns(file: keyof DropRows, cols: readonly string[], types: Readonly<Record<string, SqlType>>): string[] {
  const keys = new Set(CONTRACTS[file].uniqueKeys.filter((k) => k.length === 1).map((k) => k[0]));
  return cols.filter((c) => (types[c] === 'text' || types[c] === 'date') && !keys.has(c));
}

/** Per file, the columns to read (a subset of its row type); a file not named is read whole. */
export type SourceColumns<F extends keyof DropRows> = { readonly [K in F]?: readonly (keyof DropRows[K][number] & string)[] };

/** The rows readSourceRows gives: each projected file's rows have just the columns asked for. */
export type LoadedSources<F extends keyof DropRows, C extends SourceColumns<F>> = {
  [K in F]: K extends keyof C
    ? C[K] extends readonly (infer Col extends keyof DropRows[K][number])[]
      ? Pick<DropRows[K][number], Col>[]
      : DropRows[K]
    : DropRows[K];
};

/**
 * Reads a batch's validated rows back into the typed rows the models take,
 * in line order so every run sees them in the same order. `columns` reads
 * only some columns of a file: a stage that needs two columns of a million
 * touchpoints holds two, not eight.
 * @example
 * const { touchpoints } = await readSourceRows(db, batchId, ['touchpoints'], { touchpoints: ['account_id', 'occurred_at'] });
 */
export async function readSourceRows<F extends keyof DropRows, const C extends SourceColumns<F> = {}>(
  handle: Db, batchId: string, files: readonly F[], columns?: C, progress: (detail: Record<string, unknown>) => void = () => {},
): Promise<LoadedSources<F, C>> {
  const out = {} as Record<string, unknown>;
  for (const file of files) {
    const asked = (columns as Record<string, readonly string[] | undefined> | undefined)?.[file];
    out[file] = await readSourceRowsWhere(handle, file, asked, { where: 'batch_id = $1', values: [batchId] }, progress);
  }
  return out as LoadedSources<F, C>;
}

/**
 * One file's validated rows that a filter keeps, in line order, `columns`
 * of them (all when undefined): the filter is SQL over the file's src_*
 * table, its parameters in `values` (store/score-shards.ts reads a shard's
 * accounts this way).
 */
export async function readSourceRowsWhere(
  handle: Db, file: keyof DropRows, columns: readonly string[] | undefined, filter: { where: string; values: unknown[] },
  progress: (detail: Record<string, unknown>) => void = () => {},
): Promise<Record<string, unknown>[]> {
  const spec = SOURCE_TABLES[file];
  const all = spec.columns as string[];
  const types = spec.types as Readonly<Record<string, SqlType>>;
  const unknown = columns?.filter((c) => !all.includes(c)) ?? [];
  if (unknown.length > 0) throw new Error(`loadSources: ${file} has no column(s) ${unknown.join(', ')}`);
  const cols = columns === undefined ? all : all.filter((c) => columns.includes(c));
  const rows = await readRows(handle, file, progress, {
    text: `select ${cols.map((c) => selectColumn(c, types[c])).join(', ')} from ${spec.table} where ${filter.where} order by line`,
    values: filter.values,
    numeric: cols.filter((c) => isNumeric(types[c])),
    repeating: repeatingColumns(file, cols, types),
  });
  progress({ loaded: file });
  return rows;
}

interface RowQuery {
  text: string;
  values: unknown[];
  /** Columns to turn from numeric text into numbers. */
  numeric: readonly string[];
  /** Columns whose equal values become one string instance. */
  repeating: readonly string[];
}

/**
 * One file's rows through a cursor, BATCH_ROWS at a time (pg would otherwise hold every row of the result
 * before the first is seen), each repeated text value replaced by the first instance of it read: the rows
 * keep one string per distinct account id, channel or month instead of one per row.
 */
async function readRows(handle: Db, file: string, progress: (detail: Record<string, unknown>) => void, q: RowQuery): Promise<Record<string, unknown>[]> {
  const client = await handle.pool.connect();
  const rows: Record<string, unknown>[] = [];
  // Per column, a value -> its first instance. Dropped with this call: the rows hold the instances.
  const seen = q.repeating.map(() => new Map<string, string>());
  try {
    const cursor = client.query(new Cursor<Record<string, unknown>>(q.text, q.values));
    for (let batch = await cursor.read(BATCH_ROWS); batch.length > 0; batch = await cursor.read(BATCH_ROWS)) {
      for (const row of batch) {
        for (const c of q.numeric) {
          const val = row[c];
          if (val !== null) row[c] = Number(val);
        }
        for (let i = 0; i < q.repeating.length; i++) {
          const c = q.repeating[i];
          const val = row[c] as string | null;
          if (val === null) continue;
          const first = seen[i].get(val);
          if (first === undefined) seen[i].set(val, val);
          else row[c] = first;
        }
        rows.push(row);
      }
      progress({ loading: file, rows: rows.length });
    }
    await cursor.close();
  } catch (err) {
    // The connection may be mid-portal: the pool must not hand it out again.
    client.release(err as Error);
    throw err;
  }
  client.release();
  return rows;
}
