/** spend.csv: marketing spend per month and channel; a missing pair means zero. */
import { z } from 'zod';
import { Currency, defineContract, Line, Money, Month } from './contract';
import type { RowColumns, RowOf } from './row-columns';

/** An accepted row of spend.csv: each column's value and its type in src_spend (see row-columns.ts). */
export const SPEND_ROW = {
  line: [Line, 'integer'],
  month: [Month, 'text'],
  channel: [z.string().min(1), 'text'],
  amount: [Money.nonnegative(), 'numeric(20, 4)'],
  currency: [Currency, 'text'],
  amount_usd: [Money, 'numeric(20, 4)'],
} as const satisfies RowColumns;
export type SpendRow = RowOf<typeof SPEND_ROW>;

export const spend = defineContract<SpendRow>({
  name: 'spend',
  file: 'spend.csv',
  version: '1.0.0',
  owner: 'Marketing operations (with finance)',
  required: true,
  columns: [
    { name: 'month', type: 'month', required: true, rule: 'one row per (month, channel)' },
    { name: 'channel', type: 'text', required: true, rule: 'same vocabulary as touchpoints.channel' },
    { name: 'amount', type: 'money', required: true, rule: '>= 0', range: 'non_negative' },
    { name: 'currency', type: 'ccy', required: true, rule: '' },
  ],
  uniqueKeys: [['month', 'channel']],
  fx: { money: ['amount'], monthOf: (r) => r.month ?? undefined, monthFrom: 'month' },
  row: SPEND_ROW,
});
