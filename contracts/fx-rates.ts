/** fx_rates.csv (optional): monthly rates to USD; without it every currency must be USD. */
import { z } from 'zod';
import { Currency, defineContract, Line, Month } from './contract';
import type { FxRateRow } from './rows';

export const FxRate = z.object({
  line: Line,
  month: Month,
  currency: Currency,
  rate_to_usd: z.number().positive(),
});
export type FxRate = z.infer<typeof FxRate>;

export const fxRates = defineContract<FxRateRow>({
  name: 'fx_rates',
  file: 'fx_rates.csv',
  version: '1.0.0',
  owner: 'Finance (treasury)',
  required: false,
  columns: [
    { name: 'month', type: 'month', required: true, rule: '(month, currency) unique' },
    { name: 'currency', type: 'ccy', required: true, rule: '' },
    { name: 'rate_to_usd', type: 'decimal', required: true, rule: '> 0; amount_usd = amount * rate_to_usd', range: 'positive' },
  ],
  uniqueKeys: [['month', 'currency']],
  schema: FxRate,
});
