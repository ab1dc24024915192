/**
 * The one definition of a drop file's accepted row: a table of its columns,
 * in order, each with the zod schema of its value and the Postgres type of
 * its column in the file's `src_*` table.
 *
 * A table rather than the zod schema alone, because zod cannot say how a
 * column is stored (money is `numeric` and comes back from node-postgres as
 * text, a rate is `double precision` and comes back a number, a timestamp
 * comes back a Date), and the typed Database needs exactly that. Everything
 * else is read off this table: the zod schema (`rowSchema`), the row type
 * (`RowOf`), COPY's column order and the `src_*` table types
 * (`sql/tables/sources.ts`). A column added to one of them alone cannot be
 * written; tests/sql/tables/sources.test.ts holds the tables against the
 * migrations' columns.
 */
import { z } from 'zod';

/** Postgres types of the `src_*` columns, spelled as the migrations create them. */
export type SqlType = 'text' | 'integer' | 'double precision' | 'numeric(20, 4)' | 'numeric(7, 3)' | 'date' | 'timestamptz';

/** Column name -> [the zod schema of an accepted value, its Postgres type]. Key order is column order. */
export type RowColumns = { readonly [column: string]: readonly [z.ZodType, SqlType] };

/** The typed row a column table describes (nullable columns are `T | null`, never optional). */
export type RowOf<C extends RowColumns> = { -readonly [K in keyof C]: z.output<C[K][0]> };

/** The zod object of a column table: the same shape, in column order. */
export type RowSchema<C extends RowColumns> = z.ZodObject<{ -readonly [K in keyof C]: C[K][0] }>;

/** @example rowSchema({ line: [Line, 'integer'] }).parse({ line: 2 }) // { line: 2 } */
export function rowSchema<C extends RowColumns>(columns: C): RowSchema<C> {
  const shape = Object.fromEntries(Object.entries(columns).map(([name, [value]]) => [name, value]));
  return z.object(shape) as unknown as RowSchema<C>;
}

/** The column names of a table, in order (COPY's column list). */
export const columnNames = <C extends RowColumns>(columns: C): (keyof C & string)[] => Object.keys(columns);
