/**
 * The validated source tables (`src_<file>`), read off each drop file's
 * column table (contracts/row-columns.ts): the batch the rows came in, then
 * the row's columns with kysely's type for how Postgres stores each. A
 * column is declared once, in its contract module; nothing here names one.
 */
import type { RowColumns, RowOf, SqlType } from '../../contracts/row-columns';
import type { DropRowColumns } from '../../contracts/rows';
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
