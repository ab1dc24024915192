/** usage.csv (optional): product usage per account and month. */
import { z } from 'zod';
import { defineContract, Id, Line, Month } from './contract';
import type { UsageRow } from './rows';

export const Usage = z.object({
  line: Line,
  account_id: Id,
  month: Month,
  active_users: z.number().int().nonnegative(),
  usage_units: z.number().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

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
  schema: Usage,
});
