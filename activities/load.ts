import type { DropRows } from '../contracts/rows';
import type { ActivityDeps } from './context';
import { heartbeat } from './context';
import { SOURCE_TABLES } from '../sql/tables/sources';
import type { SqlType } from '../contracts/row-columns';

/** Numeric columns come back from Postgres as text and are numbers in the row types. */
const isNumeric = (type: SqlType) => type.startsWith('numeric');

/**
 * Timestamp columns are read as ISO-8601 UTC text (what `Date#toISOString`
 * gives) formatted by Postgres: a million Date objects built and formatted
 * again in JS cost about a second at 100k accounts.
 */
const selectColumn = (c: string, type: SqlType) =>
  type === 'timestamptz' ? `to_char("${c}" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "${c}"` : `"${c}"`;

/** Per file, the columns to read (a subset of its row type); a file not named is read whole. */
export type SourceColumns<F extends keyof DropRows> = { readonly [K in F]?: readonly (keyof DropRows[K][number] & string)[] };

/** The rows loadSources gives: each projected file's rows have just the columns asked for. */
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
 * const { touchpoints } = await loadSources(deps, batchId, ['touchpoints'], { touchpoints: ['account_id', 'occurred_at'] });
 */
export async function loadSources<F extends keyof DropRows, const C extends SourceColumns<F> = {}>(
  deps: ActivityDeps, batchId: string, files: readonly F[], columns?: C,
): Promise<LoadedSources<F, C>> {
  const out = {} as Record<string, unknown>;
  for (const file of files) {
    const spec = SOURCE_TABLES[file];
    const all = spec.columns as string[];
    const types = spec.types as Readonly<Record<string, SqlType>>;
    const asked = (columns as Record<string, readonly string[] | undefined> | undefined)?.[file];
    const unknown = asked?.filter((c) => !all.includes(c)) ?? [];
    if (unknown.length > 0) throw new Error(`loadSources: ${file} has no column(s) ${unknown.join(', ')}`);
    const cols = asked === undefined ? all : all.filter((c) => asked.includes(c));
    const res = await deps.db.pool.query({
      text: `select ${cols.map((c) => selectColumn(c, types[c])).join(', ')} from ${spec.table} where batch_id = $1 order by line`,
      values: [batchId],
    });
    const numeric = cols.filter((c) => isNumeric(types[c]));
    for (const row of res.rows) {
      for (const c of numeric) {
        const val = row[c];
        if (val !== null) row[c] = Number(val);
      }
    }
    out[file] = res.rows;
    heartbeat({ loaded: file });
  }
  return out as LoadedSources<F, C>;
}
