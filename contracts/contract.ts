/**
 * What a data contract is: the declarative column list of one drop file
 * (from `shared/spec/data-drop.md`), its row-level rules, its metadata
 * (owner, version, error threshold) and the typed row it yields, declared
 * once as a column table (`row-columns.ts`). The checks themselves are driven
 * by the file's column list (see `validate-file.ts`); the zod schema built
 * from the row's column table states what an accepted row is.
 */
import { z } from 'zod';
import type { CellType } from './cells';
import { rowSchema, type RowColumns, type SqlType } from './row-columns';
import type { DropFileName } from './rows';

/** Range rules a numeric column can carry; the id is the rule id suffix. */
export type RangeRule = 'non_negative' | 'positive' | 'percent';

/** A column of the file; `N` the names its row type has (a file column the row lacks does not compile). */
export interface ColumnSpec<N extends string = string> {
  name: N;
  type: CellType;
  /** Must be present in the header and non-empty in every row. */
  required: boolean;
  /** The rule as the spec words it, for people reading the contract. */
  rule: string;
  values?: readonly string[];
  range?: RangeRule;
  /** The file whose key this column must name. */
  references?: DropFileName;
}

/** A rule that looks at several cells of one row. */
export interface RowRule<R> {
  /** Rule id suffix after the file name, e.g. `closed_at.after_created`. */
  id: string;
  /** The column the message is about. */
  column: string;
  /** Cells the rule reads; it is skipped when one of them failed its type. */
  reads: readonly string[];
  /** Returns what is wrong, in words, or null. */
  check: (row: R) => string | null;
}

export interface FxSpec<R> {
  /** Money columns converted to `<column>_usd`. */
  money: readonly string[];
  /** The `YYYY-MM` whose rate applies (rows.ts says which date). */
  monthOf: (row: R) => string | undefined;
  /** Words for the message, e.g. "closed_at (else created_at)". */
  monthFrom: string;
}

export interface Contract<R extends { line: number } = { line: number }> {
  name: DropFileName;
  /** File name on disk without `.gz`. */
  file: string;
  version: string;
  owner: string;
  required: boolean;
  columns: readonly ColumnSpec<keyof R & string>[];
  /** Quarantined share of rows above which the whole drop fails. */
  maxErrorRate: number;
  /** Column sets that must be unique; the first is the key other files reference. */
  uniqueKeys: readonly (readonly string[])[];
  rowRules: readonly RowRule<R>[];
  fx?: FxSpec<R>;
  /** Derived columns of an accepted row (e.g. acv_usd). */
  derive?: (row: R) => void;
  /** The accepted row, column by column: the one definition its type, schema and `src_*` table are read from. */
  row: RowColumns;
  /** What an accepted row is, built from `row`. */
  schema: z.ZodType<R>;
}

/** A column table whose rows are exactly `R`. */
type ColumnsOf<R> = { readonly [K in keyof R]-?: readonly [z.ZodType<R[K]>, SqlType] };

export const DEFAULT_MAX_ERROR_RATE = 0.2;

/** Builds a contract; `R` is the row its column table `row` describes, and the schema is built from that table. */
export function defineContract<R extends { line: number }>(
  c: Omit<Contract<R>, 'maxErrorRate' | 'rowRules' | 'row' | 'schema'>
    & { maxErrorRate?: number; rowRules?: readonly RowRule<R>[]; row: ColumnsOf<R> },
): Contract<R> {
  return { maxErrorRate: DEFAULT_MAX_ERROR_RATE, rowRules: [], ...c, schema: rowSchema(c.row) as unknown as z.ZodType<R> };
}

/** Rule id of a uniqueness key: `accounts.account_id.unique`, `usage.account_month.unique`. */
export const uniqueRuleId = (name: DropFileName, key: readonly string[]): string =>
  `${name}.${key.length === 1 ? key[0] : key.map((c) => c.replace(/_id$/, '')).join('_')}.unique`;

// Zod pieces of the typed rows, shared by the contract modules.
export const Line = z.number().int().positive();
export const Id = z.string().min(1);
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
export const UtcTimestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
export const Month = z.string().regex(/^\d{4}-\d{2}$/);
export const Currency = z.string().regex(/^[A-Z]{3}$/);
export const Money = z.number().finite();
