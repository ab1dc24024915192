/** usage.csv (optional): product usage per account and month. */
import { z } from 'zod';
import { defineContract, Id, Line, Month } from './contract';
import type { RowColumns, RowOf } from './row-columns';

/** An accepted row of usage.csv: each column's value and its type in src_usage (see row-columns.ts). */
export const USAGE_ROW = {
  line: [Line, 'integer'],
  account_id: [Id, 'text'],
  month: [Month, 'text'],
  active_users: [z.number().int().nonnegative(), 'integer'],
  usage_units: [z.number().nonnegative(), 'double precision'],
} as const satisfies RowColumns;
export type UsageRow = RowOf<typeof USAGE_ROW>;

export const usage = defineContract<UsageRow>({
  name: 'usage',
  file: 'usage.csv',
  version: '1.0.0',
  owner: 'Product analytics',
  required: false,
  columns: [
    { name: 'account_id', type: 'id', required: true, rule: 'references accounts; (account_id, month) unique', references: 'accounts' },
    { name: 'month', type: 'month', required: true, rule: '' },
    { name: 'active_users', type: 'int', required: true, rule: '>= 0', range: 'non_negative' },
    { name: 'usage_units', type: 'decimal', required: true, rule: '>= 0', range: 'non_negative' },
  ],
  uniqueKeys: [['account_id', 'month']],
  row: USAGE_ROW,
});
