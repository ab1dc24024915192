/**
 * The validated source tables (`src_<file>`), read off each drop file's
 * column table (contracts/row-columns.ts): the batch the rows came in, then
 * the row's columns, as kysely types them and as COPY writes them. A column
 * is declared once, in its contract module; nothing here names one.
 */
import { CONTRACTS } from '../../contracts';
import { columnNames, type RowColumns, type RowOf, type SqlType } from '../../contracts/row-columns';
import { DROP_FILES, type DropFileName, type DropRowColumns, type DropRows } from '../../contracts/rows';
import type { Numeric, Timestamp } from './column-types';

/** A value of row type `V` as kysely reads and writes it in a column of type `S`. */
type Stored<V, S extends SqlType> =
  S extends `numeric${string}` ? Numeric | Extract<V, null>
  : S extends 'timestamptz' ? Timestamp | Extract<V, null>
  : V;

/** The src_* table of one file's rows. */
export type SourceTable<C extends RowColumns> =
  { batch_id: string } & { -readonly [K in keyof C]: Stored<RowOf<C>[K], C[K][1]> };

/** Every src_* table by its name. */
export type SourceTables = { [F in keyof DropRowColumns as `src_${F}`]: SourceTable<DropRowColumns[F]> };

type ColumnOf<F extends DropFileName> = keyof DropRows[F][number] & string;

/** A src_* table at run time: its name, the columns COPY writes after batch_id (in order) and their Postgres types. */
export interface SourceTableSpec<F extends DropFileName> {
  table: `src_${F}`;
  columns: ColumnOf<F>[];
  types: Readonly<Record<ColumnOf<F>, SqlType>>;
}

function sourceTable<F extends DropFileName>(file: F): SourceTableSpec<F> {
  const row = CONTRACTS[file].row;
  const columns = columnNames(row) as ColumnOf<F>[];
  const types = Object.fromEntries(columns.map((c) => [c, row[c][1]])) as Record<ColumnOf<F>, SqlType>;
  return { table: `src_${file}`, columns, types };
}

/** Every file's src_* table, in the order of rows.ts. */
export const SOURCE_TABLES = Object.fromEntries(DROP_FILES.map((f) => [f, sourceTable(f)])) as { [F in DropFileName]: SourceTableSpec<F> };
