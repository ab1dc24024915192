import type { ColumnType, JSONColumnType } from 'kysely';

/**
 * Column types the table interfaces share. Postgres `numeric` and `bigint`
 * come back as strings from node-postgres; `date` is parsed to text (see
 * db.ts) so that dates never shift with the local time zone.
 */
export type Timestamp = ColumnType<Date, Date | string | undefined, never>;
export type Numeric = ColumnType<string, number | string, never>;
export type Json<T extends object | null = Record<string, unknown>> = JSONColumnType<T, string, never>;
