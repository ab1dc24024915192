/** spend.csv: marketing spend per month and channel; a missing pair means zero. */
import { z } from 'zod';
import { Currency, defineContract, Line, Money, Month } from './contract';
import type { SpendRow } from './rows';

export const Spend = z.object({
  line: Line,
  month: Month,
  channel: z.string().min(1),
  amount: Money.nonnegative(),
  currency: Currency,
  amount_usd: Money,
});
export type Spend = z.infer<typeof Spend>;

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
  schema: Spend,
});
